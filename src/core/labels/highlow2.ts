import { firstCrossing } from './crossing.ts';

export interface HighLow2Options {
  /** 'high': the price rises by the threshold first; 'low': it falls by it first. */
  fn: 'high' | 'low';
  /** Percent, sign ignored (e.g. 2.0). */
  threshold: number;
  /** Fraction of the threshold for the opposite move that cancels the label (e.g. 0.2). */
  tolerance: number;
  horizon: number;
}

/**
 * highlow2: row i is True when, within the next `horizon` rows, the price reaches the target
 * (e.g. high > close·1.02) no later than it reaches the opposite level (e.g. low <
 * close·0.996). Reaching both on the same row counts as True. Never NaN: rows without a full
 * horizon ahead are False.
 */
export function highLow2Label(
  ref: Float64Array,
  up: Float64Array,
  down: Float64Array,
  o: HighLow2Options,
): Float64Array {
  const t = o.fn === 'high' ? Math.abs(o.threshold) : -Math.abs(o.threshold);
  const opposite = Math.round(-t * o.tolerance * 1e6) / 1e6;
  const [target, stop] = o.fn === 'high' ? [up, down] : [down, up];
  const first = firstCrossing(ref, target, t, o.horizon);
  const second = opposite === 0 ? new Float64Array(ref.length).fill(NaN) : firstCrossing(ref, stop, opposite, o.horizon);
  const out = new Float64Array(ref.length);
  for (let i = 0; i < out.length; i++) {
    const a = first[i]!;
    const b = second[i]!;
    out[i] = a === a && (b !== b || a <= b) ? 1 : 0;
  }
  return out;
}
