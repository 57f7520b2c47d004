import { formatAmount } from '../notify/tradeMessages.ts';
import type { ProfitSummary, TradeRecord, TraderControl, TraderStatus, TradingMode } from './controlTypes.ts';
import type { Trader } from './trader.ts';

/** /profit's figures: the bot's summary plus the trader's own (realised/unrealised, win rate, profit factor, per day). */
export interface TraderProfit extends ProfitSummary {
  realisedQuote: number;
  unrealisedQuote: number;
  winRatePercent: number;
  profitFactor: number;
  maxDrawdownQuote: number;
  perDay: { day: number; profit: number; trades: number }[];
}

/** The bot's TraderControl whose profit() carries the trader's own figures too. */
export type TraderControlWithFigures = Omit<TraderControl, 'profit'> & { profit(): Promise<TraderProfit> };

/** The trader as the bot's /trade, /balance, /profit and /trades commands see it. */
export function traderControl(trader: Trader, opts: { base: string; quote: string }): TraderControlWithFigures {
  return {
    async status(): Promise<TraderStatus> {
      const book = trader.book;
      const s = trader.stats();
      const notes: string[] = [];
      if (book.order) notes.push(`open ${book.order.side} order ${book.order.clientOrderId}: ${book.order.quantity} ${opts.base} at ${book.order.price}`);
      if (trader.lastNote) notes.push(`last: ${trader.lastNote}`);
      return {
        mode: trader.mode,
        state: trader.mode === 'off' ? undefined : book.status,
        openOrders: book.order ? 1 : 0,
        position: s.position > 0 && formatAmount(s.position) !== '0' ? `${formatAmount(s.position)} ${opts.base}` : undefined,
        notes,
      };
    },
    setMode: (mode: TradingMode) => trader.setMode(mode),
    balance: () => trader.balances(),
    async profit(): Promise<TraderProfit> {
      const s = trader.stats();
      return {
        trades: s.trades,
        wins: s.wins,
        losses: s.losses,
        profitQuote: s.realised,
        profitPercent: s.realisedPercent,
        quoteAsset: opts.quote,
        maxDrawdownPercent: s.maxDrawdownPercent,
        firstTradeTime: s.firstTradeTime,
        lastTradeTime: s.lastTradeTime,
        realisedQuote: s.realised,
        unrealisedQuote: s.unrealised,
        winRatePercent: s.winRate,
        profitFactor: s.profitFactor,
        maxDrawdownQuote: s.maxDrawdown,
        perDay: s.perDay,
      };
    },
    async trades(limit: number): Promise<TradeRecord[]> {
      const mode = trader.mode === 'live' ? 'live' : 'paper';
      return trader.executions(limit).map((e) => ({
        time: e.time,
        side: e.side === 'buy' ? 'BUY' : 'SELL',
        price: e.price,
        amount: e.quantity,
        profit: e.profit,
        profitPercent: e.profitPercent,
        mode,
        ...(e.adjustment ? { adjustment: true } : {}),
      }));
    },
    cancelAll: () => trader.cancelAll(),
  };
}

