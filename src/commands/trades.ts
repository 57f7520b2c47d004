import type { BotContext } from '../bot/context.ts';
import { formatAmount } from '../core/notify/tradeMessages.ts';
import { formatUtc, intArg, replyLong, requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';
import { symbolArg } from './trade.ts';

export const trades: BotCommandDef = {
  name: 'trades',
  role: 'admin',
  summary: 'Recent trades',
  usage: '/trades [n]',
  several: { usage: '/trades [SYMBOL] [n]', help: 'A bot of several symbols trades them on one account.' },
  help: 'Lists the last n trades (default 10, at most 100), newest last. With several symbols, the newest of all of them, or of one: /trades ETH 5.',
  async run(ctx: BotContext, args) {
    const trader = requireService(ctx, 'trader', 'Trading');
    // With several symbols, a first argument that is not a number names one.
    const symbol = args[0] !== undefined && !/^\d+$/.test(args[0]) ? symbolArg(trader, args[0]) : undefined;
    const n = intArg(symbol === undefined ? args[0] : args[1], 10, 1, 100, trades.usage);
    const list = await trader.trades(n, symbol);
    const of = symbol === undefined ? '' : ` of ${list[0]?.symbol ?? symbol}`;
    if (!list.length) {
      await ctx.reply(`No trades${of} yet.`);
      return;
    }
    // The symbol is on each line when the account trades several and none was named.
    const lines = list.map((t) => {
      const profit = t.profitPercent !== undefined ? ` ${t.profitPercent >= 0 ? '+' : ''}${t.profitPercent.toFixed(2)}%` : '';
      const tags = [t.mode, t.adjustment ? 'adjustment: taken over from the account' : ''].filter(Boolean).join(', ');
      const sym = t.symbol && symbol === undefined ? `${t.symbol} ` : '';
      return `${formatUtc(t.time)} ${sym}${t.side} @ ${t.price}${t.amount !== undefined ? ` × ${formatAmount(t.amount)}` : ''}${profit}${tags ? ` (${tags})` : ''}`;
    });
    await replyLong(ctx, [`Last ${list.length} trades${of}:`, ...lines].join('\n'));
  },
};
