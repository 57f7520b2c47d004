/**
 * Linear interpolation, once for the project: between the neighbours of a gap in a column (the
 * merge's `merge_interpolate`, the generators' `"interpolate": "linear"` input fill) and between
 * neighbouring order statistics (quantiles, medians).
 */

/**
 * pandas' default `interpolate()`, in place: interior missing values (NaN) on a straight line
 * between the valid values around them (rows equally spaced); leading missing values stay
 * missing, trailing ones take the last valid value.
 */
export function interpolateLinear(col: Float64Array): void {
  let prev = -1;
  for (let i = 0; i < col.length; i++) {
    if (Number.isNaN(col[i]!)) continue;
    if (prev >= 0 && i - prev > 1) {
      const a = col[prev]!;
      const step = (col[i]! - a) / (i - prev);
      for (let j = prev + 1; j < i; j++) col[j] = a + step * (j - prev);
    }
    prev = i;
  }
  if (prev >= 0) for (let j = prev + 1; j < col.length; j++) col[j] = col[prev]!;
}

/**
 * The value at a fractional position `pos` ∈ [0, n − 1] of sorted values, on the straight line
 * between its two neighbours: numpy's "linear" quantile q is `linearAt(sorted, q * (n − 1))`.
 */
export function linearAt(sorted: ArrayLike<number>, pos: number): number {
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
