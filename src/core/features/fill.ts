import { interpolateLinear } from '../interpolate.ts';

/**
 * How a generator's inputs are completed before computing. Gaps (NaN rows) in a merged table
 * would otherwise poison every window that touches them.
 *
 * - `previous` (default): a gap takes the last known value. It uses past rows only, so a
 *   feature at row t never depends on later rows and the online stream, which cannot see the
 *   future, computes the same numbers as the batch.
 * - `linear`: the original's pandas `interpolate()` (interior gaps on a straight line between
 *   their neighbours, trailing gaps hold the last value). It looks ahead inside gaps; the
 *   stream then matches the batch only away from gaps.
 * - `none`: inputs as they are.
 * Leading gaps stay NaN in every mode.
 */
export type InputFill = 'previous' | 'linear' | 'none';

export const INPUT_FILLS: readonly InputFill[] = ['previous', 'linear', 'none'];

export function fillPrevious(col: Float64Array): Float64Array {
  const out = new Float64Array(col.length);
  let last = NaN;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (v === v) last = v;
    out[i] = last;
  }
  return out;
}

export function fillLinear(col: Float64Array): Float64Array {
  const out = col.slice();
  interpolateLinear(out);
  return out;
}

function hasGap(col: Float64Array): boolean {
  for (let i = 0; i < col.length; i++) if (col[i] !== col[i]) return true;
  return false;
}

/** The column with its gaps filled (the column itself when it has none). */
export function fillColumn(col: Float64Array, mode: InputFill): Float64Array {
  if (mode === 'none' || !hasGap(col)) return col;
  return mode === 'previous' ? fillPrevious(col) : mode === 'linear' ? fillLinear(col) : col;
}
