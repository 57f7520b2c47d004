import { UserError } from '../../shared/errors.ts';
import type { GridParams } from './grid.ts';
import type { BacktestMetrics } from './metrics.ts';
import { ORIGINAL_KEYS, originalPerformance, type OriginalKey } from './originalKeys.ts';

/** Metrics that simulate_model.sort_by may name beside the original's keys (higher is better). */
const EXTRA_SORT_KEYS = {
  sharpe: (m: BacktestMetrics) => m.sharpe,
  sortino: (m: BacktestMetrics) => m.sortino,
  calmar: (m: BacktestMetrics) => m.calmar,
  profit_factor: (m: BacktestMetrics) => m.profitFactor,
  total_return: (m: BacktestMetrics) => m.totalReturn,
  win_rate: (m: BacktestMetrics) => m.winRate,
  expectancy: (m: BacktestMetrics) => m.expectancy,
} as const;

export const SORT_KEYS = [...ORIGINAL_KEYS, ...Object.keys(EXTRA_SORT_KEYS)];

/** The value a model is ranked by; a metric that cannot be computed ranks last. */
export function sortValue(key: string): (m: BacktestMetrics) => number {
  if ((ORIGINAL_KEYS as readonly string[]).includes(key)) return (m) => originalPerformance(m)[key as OriginalKey];
  const extra = EXTRA_SORT_KEYS[key as keyof typeof EXTRA_SORT_KEYS];
  if (!extra) throw new UserError(`simulate_model.sort_by "${key}" is not a metric (known: ${SORT_KEYS.join(', ')})`);
  return (m) => extra(m) ?? -Infinity;
}

/** A point of the grid with its backtest figures. */
export interface RankedModel {
  params: GridParams;
  metrics: BacktestMetrics;
}

/** Descending by the key, ties keeping the grid's order (Python's sorted is stable too). */
export function rankBy<T extends { metrics: BacktestMetrics }>(items: T[], key: string): T[] {
  const value = sortValue(key);
  return items
    .map((item, i) => {
      const v = value(item.metrics);
      return { item, i, v: Number.isNaN(v) ? -Infinity : v };
    })
    .sort((a, b) => (b.v === a.v ? a.i - b.i : b.v > a.v ? 1 : -1))
    .map((x) => x.item);
}
