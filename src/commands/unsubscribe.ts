import type { BotContext } from '../bot/context.ts';
import { describeSymbolBands, findSubscriber, unsubscribe as removeSubscriber } from '../bot/subscriptions.ts';
import { severalSymbols, symbolServices } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const unsubscribe: BotCommandDef = {
  name: 'unsubscribe',
  role: 'user',
  summary: 'Stop receiving signals',
  usage: '/unsubscribe',
  help: 'Stops every broadcast to this chat. /subscribe starts them again.',
  several: { usage: '/unsubscribe [SYMBOL]', help: 'A bot of several symbols: /unsubscribe SYMBOL stops that symbol only.' },
  async run(ctx: BotContext, args) {
    const rt = ctx.itb;
    const chatId = ctx.chat!.id;
    if (args[0] === undefined || !severalSymbols(rt)) {
      if (args[0] !== undefined) symbolServices(rt, args[0], unsubscribe); // the one symbol, in any spelling
      const removed = await removeSubscriber(rt.state, chatId);
      await ctx.reply(removed ? 'Unsubscribed: no more broadcasts here. /subscribe brings them back.' : 'You were not subscribed.');
      return;
    }
    const { symbol } = symbolServices(rt, args[0], unsubscribe);
    const removed = await removeSubscriber(rt.state, chatId, symbol);
    const left = findSubscriber(rt.state, chatId)?.symbols;
    if (!removed) await ctx.reply(`You were not subscribed to ${symbol}.`);
    else if (left) await ctx.reply(`Unsubscribed from ${symbol}. You still follow ${describeSymbolBands(left)}.`);
    else await ctx.reply(`Unsubscribed from ${symbol}: no more broadcasts here. /subscribe brings them back.`);
  },
};
