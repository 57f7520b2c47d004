import { DAY } from '../time.ts';

/** One executed order (all of its fills together), as the trader's ledger keeps it. */
export interface Execution {
  time: number;
  side: 'buy' | 'sell';
  /** Average fill price. */
  price: number;
  /** Base quantity executed. */
  quantity: number;
  /** Quote amount executed, before fees. */
  cost: number;
  /** Fees in quote currency (a fee taken in the base asset counted at the fill price). */
  fee: number;
  /** The part of the fee taken in the base asset, in base units: a buy added that much less to the position. */
  feeBase?: number;
  clientOrderId: string;
  /**
   * Not a trade: the difference between the account and the books found at reconciliation (a
   * manual trade, a transfer), taken over at the last close. Moves the position, realises nothing.
   */
  adjustment?: boolean;
  /** Set on sells: profit of the quantity sold against its average entry, net of both sides' fees. */
  profit?: number;
  /** That profit relative to the entry cost, in percent. */
  profitPercent?: number;
}

export interface TradeStats {
  /** Closed trades: sells that realised a profit or a loss. */
  trades: number;
  wins: number;
  losses: number;
  /** wins / trades · 100 (NaN without trades). */
  winRate: number;
  /** Gross profit / gross loss (Infinity without losses, NaN without trades). */
  profitFactor: number;
  realised: number;
  /** Value of the open position at the last price minus its entry cost. */
  unrealised: number;
  /** Base quantity still held from the ledger's buys. */
  position: number;
  /** Realised profit relative to the starting equity, in percent. */
  realisedPercent: number;
  /** Largest fall of the realised equity curve from a peak, in quote and in percent of that peak. */
  maxDrawdown: number;
  maxDrawdownPercent: number;
  /** Realised profit per UTC day (epoch ms of midnight), oldest first. */
  perDay: { day: number; profit: number; trades: number }[];
  firstTradeTime?: number;
  lastTradeTime?: number;
}

/**
 * Books a sell against the average entry of the quantity held (fees of the buy included in the
 * entry): returns the execution with profit and profitPercent set.
 */
export function withRealisedProfit(ledger: readonly Execution[], sell: Execution): Execution {
  const { position, entryCost } = openPosition(ledger);
  if (!(position > 0)) return sell;
  const qty = Math.min(sell.quantity, position);
  const entry = (entryCost / position) * qty;
  const profit = sell.cost * (qty / sell.quantity) - sell.fee * (qty / sell.quantity) - entry;
  return { ...sell, profit, profitPercent: entry > 0 ? (100 * profit) / entry : 0 };
}

/**
 * Base held and what it cost (average-cost accounting over the ledger). A buy whose fee was taken
 * in the base asset adds its quantity net of that fee, at the quote it actually paid.
 */
export function openPosition(ledger: readonly Execution[]): { position: number; entryCost: number } {
  let position = 0;
  let entryCost = 0;
  for (const e of ledger) {
    if (e.side === 'buy') {
      const feeBase = e.feeBase ?? 0;
      position += e.quantity - feeBase;
      entryCost += e.cost + e.fee - feeBase * e.price;
    } else if (position > 0) {
      const qty = Math.min(e.quantity, position);
      entryCost -= (entryCost / position) * qty;
      position -= qty;
      if (position <= 1e-12) position = entryCost = 0;
    }
  }
  return { position, entryCost };
}

export function tradeStats(ledger: readonly Execution[], lastPrice: number, startEquity: number): TradeStats {
  const sells = ledger.filter((e) => e.side === 'sell' && e.profit !== undefined);
  let grossProfit = 0;
  let grossLoss = 0;
  let wins = 0;
  let equity = startEquity;
  let peak = startEquity;
  let maxDrawdown = 0;
  let maxDrawdownPercent = 0;
  const days = new Map<number, { profit: number; trades: number }>();
  for (const s of sells) {
    const p = s.profit!;
    if (p > 0) {
      wins++;
      grossProfit += p;
    } else grossLoss -= p;
    equity += p;
    peak = Math.max(peak, equity);
    if (peak - equity > maxDrawdown) {
      maxDrawdown = peak - equity;
      maxDrawdownPercent = peak > 0 ? (100 * maxDrawdown) / peak : 0;
    }
    const day = Math.floor(s.time / DAY) * DAY;
    const d = days.get(day) ?? { profit: 0, trades: 0 };
    d.profit += p;
    d.trades++;
    days.set(day, d);
  }
  const realised = grossProfit - grossLoss;
  const { position, entryCost } = openPosition(ledger);
  const n = sells.length;
  return {
    trades: n,
    wins,
    losses: n - wins,
    winRate: n ? (100 * wins) / n : NaN,
    profitFactor: !n ? NaN : grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Infinity : NaN,
    realised,
    unrealised: position > 0 && Number.isFinite(lastPrice) ? position * lastPrice - entryCost : 0,
    position,
    realisedPercent: startEquity > 0 ? (100 * realised) / startEquity : NaN,
    maxDrawdown,
    maxDrawdownPercent,
    perDay: [...days].sort((a, b) => a[0] - b[0]).map(([day, d]) => ({ day, ...d })),
    firstTradeTime: ledger[0]?.time,
    lastTradeTime: ledger.at(-1)?.time,
  };
}

/**
 * The figures of several symbols' ledgers together: the closed trades of all in time order (win
 * rate, drawdown and profit per day of the account), the unrealised profit summed; `position` is
 * NaN (no one asset).
 */
export function accountStats(books: readonly { ledger: readonly Execution[]; lastPrice: number }[], startEquity: number): TradeStats {
  const sells = books.flatMap((b) => b.ledger.filter((e) => e.side === 'sell' && e.profit !== undefined)).sort((a, b) => a.time - b.time);
  const total = tradeStats(sells, NaN, startEquity);
  const each = books.map((b) => tradeStats(b.ledger, b.lastPrice, startEquity));
  const firsts = books.flatMap((b) => (b.ledger.length ? [b.ledger[0]!.time] : []));
  const lasts = books.flatMap((b) => (b.ledger.length ? [b.ledger.at(-1)!.time] : []));
  return {
    ...total,
    unrealised: each.reduce((sum, s) => sum + s.unrealised, 0),
    position: NaN,
    firstTradeTime: firsts.length ? Math.min(...firsts) : undefined,
    lastTradeTime: lasts.length ? Math.max(...lasts) : undefined,
  };
}

/** Realised profit of the UTC day that contains `time`. */
export function realisedOnDay(ledger: readonly Execution[], time: number): number {
  const day = Math.floor(time / DAY) * DAY;
  let sum = 0;
  for (const e of ledger) if (e.profit !== undefined && e.time >= day && e.time < day + DAY) sum += e.profit;
  return sum;
}
