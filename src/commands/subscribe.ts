import { UserError } from '../shared/errors.ts';
import type { BotContext } from '../bot/context.ts';
import { ALL_SYMBOLS, describeSubscriber, maxBand, subscribe as addSubscriber } from '../bot/subscriptions.ts';
import { configOf, namesSymbol, severalSymbols, symbolServices } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

/** `all` = 0, `zone` = the top band, or a band number. */
export function parseBandArg(raw: string | undefined, top: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v === 'all') return 0;
  if (v === 'zone' || v === 'top') return top;
  if (/^\d+$/.test(v) && Number(v) <= top) return Number(v);
  throw new UserError(`"${raw}" is not a band: use a number from 0 to ${top}, "all" or "zone"; usage: /subscribe [band]`);
}

export const subscribe: BotCommandDef = {
  name: 'subscribe',
  role: 'user',
  summary: 'Receive signals here (optionally from a band up)',
  usage: '/subscribe [band]',
  help: 'Subscribes this chat to score messages, signals, the daily diagram and trades. With a band (1 = weak … the top band = buy/sell zone, "zone" for the top one, 0 or "all" for every message) only score messages from that band up arrive. /settings fine-tunes it.',
  several: { usage: '/subscribe [SYMBOL] [band|all|zone]', help: 'A bot of several symbols: /subscribe SYMBOL [band] follows one symbol (each with its own band), /subscribe [band] alone follows all of them.' },
  async run(ctx: BotContext, args) {
    const rt = ctx.itb;
    const named = namesSymbol(rt, args[0]);
    // Every symbol (a band alone) reads the bands of the bot's own config.
    const { symbol, services } = named || !severalSymbols(rt) ? symbolServices(rt, named ? args[0] : undefined, subscribe) : { symbol: undefined, services: rt.services };
    const band = parseBandArg(named ? args[1] : args[0], Math.max(maxBand(configOf(rt, services)), 0));
    if (!severalSymbols(rt)) {
      const sub = await addSubscriber(rt.state, ctx, band);
      await ctx.reply(`Subscribed. You will receive:\n${describeSubscriber(sub)}\n\n/settings changes this; /unsubscribe stops it.`);
      return;
    }
    const sub = await addSubscriber(rt.state, ctx, band, symbol ?? ALL_SYMBOLS);
    const what = named ? symbol : 'every symbol';
    const stop = named ? `/unsubscribe ${symbol} stops it` : '/unsubscribe stops it';
    await ctx.reply(`Subscribed to ${what}. You will receive:\n${describeSubscriber(sub)}\n\n/settings changes this; ${stop}.`);
  },
};
