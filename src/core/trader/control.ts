import { matchSymbol } from '../../config/symbolNames.ts';
import { formatAmount } from '../notify/tradeMessages.ts';
import type { Balances } from './broker.ts';
import type { ProfitSummary, TradeRecord, TraderControl, TraderStatus, TradingMode } from './controlTypes.ts';
import { accountStats, type TradeStats } from './tradeStats.ts';
import type { Trader } from './trader.ts';

/** /profit's figures: the bot's summary plus the trader's own (realised/unrealised, win rate, profit factor, per day). */
export interface TraderProfit extends ProfitSummary {
  realisedQuote: number;
  unrealisedQuote: number;
  winRatePercent: number;
  profitFactor: number;
  maxDrawdownQuote: number;
  perDay: { day: number; profit: number; trades: number }[];
  bySymbol?: TraderProfit[];
}

/** The bot's TraderControl whose profit() carries the trader's own figures too. */
export type TraderControlWithFigures = Omit<TraderControl, 'profit'> & { profit(symbol?: string): Promise<TraderProfit> };

/** One symbol's trader with the assets of its market. */
export interface TradedSymbol {
  trader: Trader;
  base: string;
  quote: string;
}

function profitOf(s: TradeStats, quote: string): TraderProfit {
  return {
    trades: s.trades,
    wins: s.wins,
    losses: s.losses,
    profitQuote: s.realised,
    profitPercent: s.realisedPercent,
    quoteAsset: quote,
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
}

/** The trader of one symbol as the bot's /trade, /balance, /profit and /trades commands see it. */
export function traderControl(trader: Trader, opts: { base: string; quote: string }): TraderControlWithFigures {
  /** A named symbol must be this one; the answer then names it. */
  const named = (symbol: string | undefined) => (symbol === undefined ? {} : { symbol: matchSymbol(symbol, [trader.symbol]) });
  return {
    async status(symbol?: string): Promise<TraderStatus> {
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
        ...named(symbol),
      };
    },
    async setMode(mode: TradingMode, symbol?: string) {
      named(symbol);
      return trader.setMode(mode);
    },
    balance: () => trader.balances(),
    async profit(symbol?: string): Promise<TraderProfit> {
      return { ...profitOf(trader.stats(), opts.quote), ...named(symbol) };
    },
    async trades(limit: number, symbol?: string): Promise<TradeRecord[]> {
      const mode = trader.mode === 'live' ? 'live' : 'paper';
      const sym = named(symbol);
      return trader.executions(limit).map((e) => ({
        time: e.time,
        side: e.side === 'buy' ? 'BUY' : 'SELL',
        price: e.price,
        amount: e.quantity,
        profit: e.profit,
        profitPercent: e.profitPercent,
        mode,
        ...(e.adjustment ? { adjustment: true } : {}),
        ...sym,
      }));
    },
    async cancelAll(symbol?: string) {
      named(symbol);
      return trader.cancelAll();
    },
  };
}

const RANK: Record<TradingMode, number> = { off: 0, paper: 1, live: 2 };

/** The trader whose mode the account is shown in: the highest any symbol trades in (live, paper, off). */
export function leadingTrader<T extends { trader: Trader }>(traded: readonly T[]): T {
  return traded.reduce((a, t) => (RANK[t.trader.mode] > RANK[a.trader.mode] ? t : a));
}

/** The symbols' active books together; percent figures against the largest start equity among them. */
export function accountTotal(traders: readonly Trader[]): TradeStats {
  const startEquity = Math.max(...traders.map((t) => t.book.startEquity));
  return accountStats(traders.map((t) => ({ ledger: t.book.ledger, lastPrice: t.lastClose })), startEquity);
}

/**
 * The traders of several symbols on one account as the bot sees them: a named symbol is that
 * symbol's trader; without one, /trade switches every symbol (the kill switch stops them all),
 * /trade status lists each with the trades open against max_open_trades, /profit gives each
 * symbol's figures and their total, /trades the newest of all, /balance the shared account once.
 */
export function accountControl(traded: TradedSymbol[]): TraderControlWithFigures {
  const names = traded.map((t) => t.trader.symbol);
  const controls = new Map(traded.map((t) => [t.trader.symbol, traderControl(t.trader, t)]));
  const one = (symbol: string) => controls.get(matchSymbol(symbol, names))!;
  const each = <T>(fn: (c: TraderControlWithFigures, symbol: string) => Promise<T>) => Promise.all(traded.map((t) => fn(controls.get(t.trader.symbol)!, t.trader.symbol)));
  const account = traded[0]!.trader.account;
  const leading = () => leadingTrader(traded);
  return {
    symbols: names,
    async status(symbol?: string): Promise<TraderStatus> {
      if (symbol !== undefined) return one(symbol).status(symbol);
      const bySymbol = await each((c, s) => c.status(s));
      const lead = leading().trader;
      const kind = lead.mode === 'live' ? 'live' : 'paper';
      const notes: string[] = [];
      const stop = account.lossStopReason(kind, lead.now());
      if (stop) notes.push(`no buys until 00:00 UTC: ${stop}`);
      return {
        mode: lead.mode,
        openOrders: bySymbol.reduce((n, s) => n + s.openOrders, 0),
        notes,
        bySymbol,
        openTrades: { symbols: account.openTrades(kind), max: account.maxOpenTrades },
      };
    },
    async setMode(mode: TradingMode, symbol?: string): Promise<string> {
      if (symbol !== undefined) {
        const s = matchSymbol(symbol, names);
        return `${s}: ${await controls.get(s)!.setMode(mode)}`;
      }
      const results = await each((c) => c.setMode(mode).then((text) => ({ text }), (error: unknown) => ({ error })));
      const failed = results.filter((r) => 'error' in r);
      if (failed.length === results.length) throw (failed[0] as { error: unknown }).error;
      return results.map((r, i) => `${traded[i]!.trader.symbol}: ${'text' in r ? r.text : (r.error as Error).message}`).join('\n');
    },
    balance: (): Promise<Balances> => leading().trader.balances(),
    async profit(symbol?: string): Promise<TraderProfit> {
      if (symbol !== undefined) return one(symbol).profit(symbol);
      const bySymbol = await each((c, s) => c.profit(s));
      return { ...profitOf(accountTotal(traded.map((t) => t.trader)), account.quote), bySymbol };
    },
    async trades(limit: number, symbol?: string): Promise<TradeRecord[]> {
      if (symbol !== undefined) return one(symbol).trades(limit, symbol);
      const all = (await each((c, s) => c.trades(limit, s))).flat();
      return all.sort((a, b) => b.time - a.time).slice(0, limit);
    },
    async cancelAll(symbol?: string): Promise<number> {
      if (symbol !== undefined) return one(symbol).cancelAll();
      return (await each((c) => c.cancelAll())).reduce((a, b) => a + b, 0);
    },
  };
}
