import type { BacktestMetrics } from './metrics.ts';
import { pyRound } from './pyNumber.ts';

/** The original's performance keys (§6.2, §6.3) in its order. */
export const ORIGINAL_KEYS = [
  '#transactions',
  'profit',
  '%profit',
  '#profitable',
  '%profitable',
  'profit/T',
  '%profit/T',
  '#transactions/M',
  'profit/M',
  '%profit/M',
] as const;
export type OriginalKey = (typeof ORIGINAL_KEYS)[number];

/** Keys whose value the original holds as a Python int (printed without a point). */
export function isIntKey(key: OriginalKey, m: Pick<BacktestMetrics, 'trades'>): boolean {
  // With no transaction, profit and %profit are still the int 0 the original started from.
  return key === '#transactions' || key === '#profitable' || (m.trades === 0 && (key === 'profit' || key === '%profit'));
}

/**
 * The original's performance dict, from the net figures (fees 0 and slippage 0 give the
 * gross ones), rounded as the original rounds: the monthly figures are computed from the
 * already rounded profit and %profit, as it does. `%profitable` is 100 · profitable / trades.
 */
export function originalPerformance(m: BacktestMetrics): Record<OriginalKey, number> {
  const n = m.trades;
  const profit = pyRound(m.netProfit, 2);
  const percent = pyRound(m.netPercent, 1);
  const perMonth = (v: number) => (m.months > 0 ? pyRound(v / m.months, 2) : 0);
  return {
    '#transactions': n,
    profit,
    '%profit': percent,
    '#profitable': m.profitable,
    '%profitable': n ? pyRound((100 * m.profitable) / n, 1) : 0,
    'profit/T': n ? pyRound(m.netProfit / n, 2) : 0,
    '%profit/T': n ? pyRound(m.netPercent / n, 1) : 0,
    '#transactions/M': perMonth(n),
    'profit/M': perMonth(profit),
    '%profit/M': perMonth(percent),
  };
}
