import { SlidingExtremum } from '../features/rolling.ts';
import { halfWindow } from '../features/rollingKernels.ts';

/**
 * Future extreme relative to close, in percent: 100·(max(high[i+1..i+h]) − close[i])/close[i]
 * (min of low for `isMax` false). pandas' rule applies: at least h//2 values in the window.
 */
export function futureExtremePct(close: Float64Array, price: Float64Array, horizon: number, isMax: boolean): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(NaN);
  const ext = new SlidingExtremum(horizon, isMax);
  const minP = halfWindow(horizon);
  let valid = 0;
  const past = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    ext.push(price[j]!);
    if (price[j] === price[j]) valid++;
    if (j >= horizon && price[j - horizon] === price[j - horizon]) valid--;
    past[j] = valid >= minP ? ext.value() : NaN;
  }
  // The past aggregation ending at i+h is the future aggregation of row i.
  for (let i = 0; i + horizon < n; i++) out[i] = (100 * (past[i + horizon]! - close[i]!)) / close[i]!;
  return out;
}

/** The legacy highlow label names and thresholds (percent). */
export const HIGHLOW_LABELS: Array<{ name: string; high: boolean; threshold: number }> = [
  ...[1.0, 1.5, 2.0, 2.5, 3.0].map((t) => ({ name: `high_${String(t * 10).padStart(2, '0')}`, high: true, threshold: t })),
  ...[0.1, 0.2, 0.3, 0.4, 0.5].map((t) => ({ name: `high_0${Math.round(t * 10)}`, high: true, threshold: t })),
  ...[0.1, 0.2, 0.3, 0.4, 0.5].map((t) => ({ name: `low_0${Math.round(t * 10)}`, high: false, threshold: -t })),
  ...[1.0, 1.5, 2.0, 2.5, 3.0].map((t) => ({ name: `low_${String(t * 10).padStart(2, '0')}`, high: false, threshold: -t })),
];

/**
 * Threshold rule of the legacy labels: a large threshold (|t| ≥ 0.75) asks whether the move
 * reached it, a small one whether the move stayed within it. NaN compares False.
 */
export function thresholdLabel(values: Float64Array, t: number): Float64Array {
  const out = new Float64Array(values.length);
  const large = Math.abs(t) >= 0.75;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = (t > 0 ? (large ? v >= t : v <= t) : large ? v <= t : v >= t) ? 1 : 0;
  }
  return out;
}
