/**
 * Statistics of one window of values (oldest first), as the original computes them in its
 * pandas rolling `apply` calls. Missing values (NaN) are treated as the original's numpy or
 * scipy function treats them; each function says how.
 */

/** Mean ignoring NaN (np.nanmean); NaN when there is no value. */
export function nanMean(x: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Population standard deviation ignoring NaN (np.nanstd, ddof 0). */
export function nanStd(x: Float64Array): number {
  const m = nanMean(x);
  if (m !== m) return NaN;
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += (v - m) * (v - m);
      n++;
    }
  }
  return Math.sqrt(s / n);
}

/**
 * Area ratio in [−1, +1] against a level (the newest value, or the oldest in future mode):
 * −1 when every other value is below the level. NaN when all values equal the level.
 */
export function areaRatio(x: Float64Array, future = false): number {
  return areaRatioOf(x, 0, x.length, future);
}

/** areaRatio of the rows [from, to) of x, read in place (the batch kernels' form). */
export function areaRatioOf(x: Float64Array, from: number, to: number, future = false): number {
  const level = future ? x[from]! : x[to - 1]!;
  let a = 0;
  let b = 0;
  for (let i = from; i < to; i++) {
    const d = x[i]! - level;
    if (d === d) {
      a += d;
      b += Math.abs(d);
    }
  }
  return (2 * ((b + a) / 2)) / b - 1;
}

/** Least-squares slope of the non-NaN values against their positions; NaN with < 2 values. */
export function slope(x: Float64Array): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      n++;
      sx += i;
      sy += v;
    }
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      sxy += (i - mx) * (v - my);
      sxx += (i - mx) * (i - mx);
    }
  }
  return sxy / sxx;
}

/**
 * Longest run of consecutive values strictly below the window's mean (np.mean: one NaN
 * makes the mean NaN and the answer 0). 0 for an empty window.
 */
export function longestStrikeBelowMean(x: Float64Array): number {
  return longestStrikeBelowMeanOf(x, 0, x.length);
}

/** longestStrikeBelowMean of the rows [from, to) of x, read in place (the batch kernels' form). */
export function longestStrikeBelowMeanOf(x: Float64Array, from: number, to: number): number {
  if (to <= from) return 0;
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]!;
  const m = s / (to - from);
  let best = 0;
  let run = 0;
  for (let i = from; i < to; i++) {
    if (x[i]! < m) {
      if (++run > best) best = run;
    } else run = 0;
  }
  return best;
}

/** Position of the first maximum ÷ window length (np.argmax: a NaN counts as the maximum). */
export function firstLocationOfMaximum(x: Float64Array): number {
  if (x.length === 0) return NaN;
  let best = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== v) return i / x.length;
    if (v > x[best]!) best = i;
  }
  return best / x.length;
}

/** Mean second derivative, central approximation (tsfresh); NaN with fewer than 3 values. */
export function meanSecondDerivativeCentral(x: Float64Array): number {
  const n = x.length;
  return n > 2 ? (x[n - 1]! - x[n - 2]! - x[1]! + x[0]!) / (2 * (n - 2)) : NaN;
}

/** Biased central moments m2, m3, m4 of all values (NaN if any is NaN). */
function centralMoments(x: Float64Array): [number, number, number, number] {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const m = s / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return [m, m2 / n, m3 / n, m4 / n];
}

/** scipy.stats.skew(x, bias): NaN when any value is NaN or the variance is ~0. */
export function scipySkew(x: Float64Array, bias: boolean): number {
  const n = x.length;
  if (n === 0) return NaN;
  const [mean, m2, m3] = centralMoments(x);
  if (m2 <= (1e-15 * mean) ** 2) return NaN;
  const g1 = m3 / m2 ** 1.5;
  return !bias && n > 2 ? (Math.sqrt((n - 1) * n) / (n - 2)) * g1 : g1;
}

/** scipy.stats.kurtosis(x, fisher=True, bias). */
export function scipyKurtosis(x: Float64Array, bias: boolean): number {
  const n = x.length;
  if (n === 0) return NaN;
  const [mean, m2, , m4] = centralMoments(x);
  if (m2 <= (1e-15 * mean) ** 2) return NaN;
  const b2 = m4 / (m2 * m2);
  if (!bias && n > 3) return (1 / (n - 2) / (n - 3)) * ((n * n - 1) * b2 - 3 * (n - 1) ** 2);
  return b2 - 3;
}

/** Values without NaN, and their sums about the mean (pandas' nanops). */
function pandasSums(x: Float64Array): { n: number; m2: number; m3: number; m4: number } {
  let n = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      n++;
      s += v;
    }
  }
  const mean = s / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      const d = v - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
  }
  return { n, m2, m3, m4 };
}

const zeroFpErr = (v: number): number => (Math.abs(v) < 1e-14 ? 0 : v);

/** pandas Series.skew(): unbiased, NaN skipped, NaN with < 3 values, 0 for a flat window. */
export function pandasSkew(x: Float64Array): number {
  const { n, m2: rawM2, m3: rawM3 } = pandasSums(x);
  if (n < 3) return NaN;
  const m2 = zeroFpErr(rawM2);
  const m3 = zeroFpErr(rawM3);
  if (m2 === 0) return 0;
  return ((n * (n - 1) ** 0.5) / (n - 2)) * (m3 / m2 ** 1.5);
}

/** pandas Series.kurt(): unbiased Fisher kurtosis, NaN with < 4 values, 0 for a flat window. */
export function pandasKurtosis(x: Float64Array): number {
  const { n, m2, m4 } = pandasSums(x);
  if (n < 4) return NaN;
  const adj = (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
  const num = zeroFpErr(n * (n + 1) * (n - 1) * m4);
  const den = zeroFpErr((n - 2) * (n - 3) * m2 * m2);
  if (den === 0) return 0;
  return num / den - adj;
}
