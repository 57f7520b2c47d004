import type { BotContext } from '../bot/context.ts';
import { formatUtc, requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';
import type { ProfitSummary } from '../bot/services.ts';
import { symbolArg } from './trade.ts';

export const profit: BotCommandDef = {
  name: 'profit',
  role: 'admin',
  summary: 'Profit of the closed trades',
  usage: '/profit',
  several: { usage: '/profit [SYMBOL]', help: 'A bot of several symbols trades them on one account.' },
  help: 'Shows the profit of closed trades: total, win/loss counts, win rate and max drawdown. With several symbols, each symbol’s and their total, or one symbol’s: /profit ETH.',
  async run(ctx: BotContext, args) {
    const trader = requireService(ctx, 'trader', 'Trading');
    const p = await trader.profit(symbolArg(trader, args[0]));
    const head = p.symbol ? [`${p.symbol}:`] : [];
    // Several symbols: one line each, then the account's total as a single symbol's figures.
    const each = (p.bySymbol ?? []).map((s) =>
      s.trades
        ? `${s.symbol}: ${s.trades} closed trade${s.trades === 1 ? '' : 's'} (${s.wins} won, ${s.losses} lost), profit ${s.profitQuote.toFixed(2)} ${s.quoteAsset ?? ''} (${s.profitPercent.toFixed(2)}%)`
        : `${s.symbol}: no closed trades`,
    );
    if (!p.trades) {
      await ctx.reply([...head, ...each, `No closed trades${p.symbol ? ` of ${p.symbol}` : ''} yet.`].join('\n'));
      return;
    }
    await ctx.reply([...head, ...each, ...(p.bySymbol ? ['Total:'] : []), ...figures(p)].join('\n'));
  },
};

function figures(p: ProfitSummary): string[] {
  const quote = p.quoteAsset ?? '';
  const lines = [
    `Closed trades: ${p.trades} (${p.wins} won, ${p.losses} lost, win rate ${((100 * p.wins) / p.trades).toFixed(1)}%)`,
    `Profit: ${p.profitQuote.toFixed(2)} ${quote} (${p.profitPercent.toFixed(2)}%)`.trimEnd(),
  ];
  if (p.maxDrawdownPercent !== undefined) lines.push(`Max drawdown: ${p.maxDrawdownPercent.toFixed(2)}%`);
  if (p.firstTradeTime !== undefined && p.lastTradeTime !== undefined) lines.push(`From ${formatUtc(p.firstTradeTime)} to ${formatUtc(p.lastTradeTime)}`);
  return lines;
}
