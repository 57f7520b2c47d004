import type { BotContext } from '../bot/context.ts';
import { formatUtc, requireService } from '../bot/reply.ts';
import { withSymbolArg } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const profit: BotCommandDef = {
  name: 'profit',
  role: 'admin',
  summary: 'Profit of the closed trades',
  usage: '/profit',
  help: 'Shows the profit of closed trades: total, win/loss counts, win rate and max drawdown.',
  several: { usage: '/profit SYMBOL', help: 'A bot of several symbols: the trader of the symbol named.' },
  async run(ctx: BotContext, args) {
    const trader = requireService(ctx, 'trader', 'Trading', withSymbolArg(ctx.itb, args, profit).services);
    const p = await trader.profit();
    if (!p.trades) {
      await ctx.reply('No closed trades yet.');
      return;
    }
    const quote = p.quoteAsset ?? '';
    const lines = [
      `Closed trades: ${p.trades} (${p.wins} won, ${p.losses} lost, win rate ${((100 * p.wins) / p.trades).toFixed(1)}%)`,
      `Profit: ${p.profitQuote.toFixed(2)} ${quote} (${p.profitPercent.toFixed(2)}%)`.trimEnd(),
    ];
    if (p.maxDrawdownPercent !== undefined) lines.push(`Max drawdown: ${p.maxDrawdownPercent.toFixed(2)}%`);
    if (p.firstTradeTime !== undefined && p.lastTradeTime !== undefined) lines.push(`From ${formatUtc(p.firstTradeTime)} to ${formatUtc(p.lastTradeTime)}`);
    await ctx.reply(lines.join('\n'));
  },
};
