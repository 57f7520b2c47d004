import { InputFile } from 'grammy';
import type { BotContext } from '../bot/context.ts';
import { intArg, requireService } from '../bot/reply.ts';
import { namesSymbol, severalSymbols, symbolServices, usageOf } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const chart: BotCommandDef = {
  name: 'chart',
  role: 'user',
  summary: 'Chart of price, score and signals',
  usage: '/chart [hours]',
  help: 'Sends a PNG of the last hours (default 24, at most 720): price, the score with its thresholds, and buy/sell markers.',
  several: { usage: '/chart SYMBOL [hours]', help: 'A bot of several symbols needs the symbol: /chart eth 48.' },
  async run(ctx: BotContext, args) {
    // The symbol (a bot of several: any word that is not the hours, so that a typo is named as such).
    const symbolArg = args.find((a) => namesSymbol(ctx.itb, a)) ?? (severalSymbols(ctx.itb) ? args.find((a) => !/^\d+$/.test(a)) : undefined);
    const rest = args.filter((a) => a !== symbolArg);
    const hours = intArg(rest[0], 24, 1, 720, usageOf(ctx.itb, chart));
    const { symbol, services } = symbolServices(ctx.itb, symbolArg, chart);
    const render = requireService(ctx, 'chart', 'The chart', services);
    await ctx.replyWithChatAction('upload_photo');
    const img = await render(hours);
    await ctx.replyWithPhoto(new InputFile(img.png, `chart-${hours}h.png`), { caption: img.caption ?? `${symbol}, last ${hours} h` });
  },
};
