import { pyFixed } from './pyFormat.ts';

/** A transaction of the original's trade simulator: BUY closes a short leg, SELL a long leg. */
export interface TransactionEvent {
  status: 'BUY' | 'SELL';
  /** Profit of the leg it closes, in quote currency. */
  profit: number;
  /** That profit relative to the previous transaction's price, in percent. */
  profitPercent: number;
}

/** `⚡💰 *SOLD:  Profit: 1.23% 45.6789₮*` (two spaces after the colon, as in the original). */
export function formatTransactionMessage(t: TransactionEvent): string {
  const head = t.status === 'SELL' ? '⚡💰 *SOLD: ' : '⚡💰 *BOUGHT: ';
  return `${head} Profit: ${pyFixed(t.profitPercent, 2)}% ${pyFixed(t.profit, 4)}₮*`;
}

/** pandas `describe()` figures of a list of profit percents (std with ddof 1, median interpolated). */
export interface ProfitStats {
  count: number;
  mean: number;
  std: number;
  min: number;
  median: number;
  max: number;
}

export function describeProfits(values: readonly number[]): ProfitStats {
  const n = values.length;
  if (!n) return { count: 0, mean: NaN, std: NaN, min: NaN, median: NaN, max: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (n - 1) / 2;
  const lo = Math.floor(pos);
  const median = sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
  return { count: n, mean, std, min: sorted[0]!, median, max: sorted[n - 1]! };
}

/**
 * The original's stats message after a transaction: long legs (SELL) or short legs (BUY) of
 * the last 4 weeks, three lines each ending with a newline.
 */
export function formatTransactionStats(status: 'BUY' | 'SELL', s: ProfitStats): string {
  const head = status === 'SELL' ? '↗ *LONG transactions stats (4 weeks)*\n' : '↘ *SHORT transactions stats (4 weeks)*\n';
  return (
    head +
    `🔸sum=${pyFixed(s.count * s.mean, 2)}% 🔸count=${s.count}\n` +
    `🔸mean=${pyFixed(s.mean, 4)}% 🔸std=${pyFixed(s.std, 4)}%\n` +
    `🔸min=${pyFixed(s.min, 4)}% 🔸median=${pyFixed(s.median, 4)}% 🔸max=${pyFixed(s.max, 4)}%\n`
  );
}
