import type { BotContext } from '../bot/context.ts';
import { formatAmount } from '../core/notify/tradeMessages.ts';
import { formatUtc, intArg, replyLong, requireService } from '../bot/reply.ts';
import { withSymbolArg } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const trades: BotCommandDef = {
  name: 'trades',
  role: 'admin',
  summary: 'Recent trades',
  usage: '/trades [n]',
  help: 'Lists the last n trades (default 10, at most 100), newest last.',
  several: { usage: '/trades SYMBOL [n]', help: 'A bot of several symbols: the trader of the symbol named first.' },
  async run(ctx: BotContext, args) {
    const picked = withSymbolArg(ctx.itb, args, trades);
    const n = intArg(picked.args[0], 10, 1, 100, trades.usage);
    const trader = requireService(ctx, 'trader', 'Trading', picked.services);
    const list = await trader.trades(n);
    if (!list.length) {
      await ctx.reply('No trades yet.');
      return;
    }
    const lines = list.map((t) => {
      const profit = t.profitPercent !== undefined ? ` ${t.profitPercent >= 0 ? '+' : ''}${t.profitPercent.toFixed(2)}%` : '';
      const tags = [t.mode, t.adjustment ? 'adjustment: taken over from the account' : ''].filter(Boolean).join(', ');
      return `${formatUtc(t.time)} ${t.side} @ ${t.price}${t.amount !== undefined ? ` × ${formatAmount(t.amount)}` : ''}${profit}${tags ? ` (${tags})` : ''}`;
    });
    await replyLong(ctx, [`Last ${list.length} trades:`, ...lines].join('\n'));
  },
};
