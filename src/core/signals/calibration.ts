/**
 * Score calibration: what a model's raw probability means relative to its own training rows.
 *
 * A model of a rare event (high_20: 1.3 % of the rows, low_20: 1.9 %) answers small
 * probabilities whose typical size is set by its base rate, so the difference of two such
 * models leans towards the one with the higher base rate whatever the market does. The
 * training step stores, per model, the base rate and the distribution of its scores on the
 * training rows (`ScoreCalibration`, in the model's manifest); the signal generators then
 * read a score through it:
 *
 * - `percentile`: the score's rank among the training scores, F(p) ∈ [0, 1] (0.5 = the
 *   median training score). `combine: difference` of two percentiles is in [−1, +1] and is
 *   0 when both models stand at the same rank of their own history.
 * - `base_rate`: (p − b) / b, the excess over the base rate b in units of b (0 = the base
 *   rate, 1 = twice it, −1 = zero).
 */

import { linearAt } from '../interpolate.ts';
import { sortNumbers } from '../sort.ts';

/** A model's scores on its own training rows, computed at train time. */
export interface ScoreCalibration {
  /** Share of positive labels in the training rows (the label mean for regression). */
  base_rate: number;
  /** Mean score on the training rows. */
  mean_score: number;
  /** Training scores at the probabilities 0, 1/k, …, 1 (k + 1 non-decreasing values, numpy's "linear" quantiles). */
  quantiles: number[];
}

export const CALIBRATION_METHODS = ['none', 'percentile', 'base_rate'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** The calibration of a model by its score column (`high_20_lc`), or undefined when it has none. */
export type CalibrationSource = (scoreColumn: string) => ScoreCalibration | undefined;

/** Points of the stored quantile table: 0.1 % steps. */
export const QUANTILE_POINTS = 1001;

/**
 * The calibration of a model from its scores on the training rows (NaN scores are left out)
 * and the base rate of its label there.
 */
export function calibrationOf(scores: ArrayLike<number>, baseRate: number, points = QUANTILE_POINTS): ScoreCalibration {
  let n = 0;
  const sorted = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) if (scores[i] === scores[i]) sorted[n++] = scores[i]!;
  sortNumbers(sorted.subarray(0, n));
  if (!n) return { base_rate: baseRate, mean_score: NaN, quantiles: [] };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const k = points - 1;
  const quantiles = new Array<number>(points);
  for (let j = 0; j < points; j++) {
    quantiles[j] = linearAt(sorted, k ? (j * (n - 1)) / k : 0);
  }
  return { base_rate: baseRate, mean_score: sum / n, quantiles };
}

/**
 * F(p): the share of training scores below p, read from the quantile table q[0..k] by linear
 * interpolation between neighbouring entries; 0 below q[0], 1 above q[k]. A p equal to a run
 * of equal entries q[lo..hi] (a tree model's repeated leaf values) gets the run's middle,
 * (lo + hi) / 2k.
 */
export function percentileOf(p: number, q: ArrayLike<number>): number {
  if (p !== p || !q.length) return NaN;
  const k = q.length - 1;
  if (!k) return p < q[0]! ? 0 : p > q[0]! ? 1 : 0.5;
  // below = entries < p, upTo = entries ≤ p (both by binary search; q is non-decreasing)
  let a = 0;
  let b = q.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (q[m]! < p) a = m + 1;
    else b = m;
  }
  const below = a;
  b = q.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (q[m]! <= p) a = m + 1;
    else b = m;
  }
  const upTo = a;
  if (upTo > below) return (below + upTo - 1) / (2 * k);
  if (below === 0) return 0;
  if (below > k) return 1;
  const x0 = q[below - 1]!;
  const x1 = q[below]!;
  return (below - 1 + (p - x0) / (x1 - x0)) / k;
}

/** A score read through a model's calibration (NaN stays NaN). */
export function calibrateScore(method: CalibrationMethod, p: number, c: ScoreCalibration): number {
  if (method === 'percentile') return percentileOf(p, c.quantiles);
  if (method === 'base_rate') return (p - c.base_rate) / c.base_rate;
  return p;
}
