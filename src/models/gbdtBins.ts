import { seededRandom } from './random.ts';

/**
 * Feature binning for the histogram GBDT: each feature's values are cut once into at most
 * `maxBin` bins of about equal row counts, and every row becomes one byte per feature.
 *
 * Values are compared as float32, as the tree evaluator compares them: a value x lies in bin
 * k, the first k with x < cuts[k] (the last value bin when there is none), so a split "bin ≤ k"
 * is exactly "x < cuts[k]" in the model file. Missing values (NaN) get a bin of their own after
 * the value bins, so a split can send them either way.
 */
export interface FeatureBinning {
  /** Ascending float32 boundaries; value bins = cuts.length + 1. */
  cuts: Float32Array;
  /** The bin of missing values, or −1 when the training rows had none. */
  nanBin: number;
  /** Bins in all (value bins, plus the missing bin if any). */
  numBins: number;
}

export interface BinnedRows {
  binnings: FeatureBinning[];
  /** Row-major bins: row i, feature j at i·f + j. */
  bins: Uint8Array;
}

export interface BinningOptions {
  maxBin: number;
  minDataInBin: number;
  /** Rows sampled (seeded) to find the cuts when there are more. */
  sampleRows: number;
  seed: number;
}

const MAX_FLOAT32 = 3.4028234663852886e38;

/** A boundary between adjacent distinct float32 values a < b: some float32 c with a < c ≤ b, near their middle. */
function cutBetween(a: number, b: number): number {
  let c = Math.fround((a + b) / 2);
  if (!(c > a)) c = b;
  // JSON has no Infinity: below the largest float32, every finite value is still < c.
  if (c === Infinity) c = a < MAX_FLOAT32 ? MAX_FLOAT32 : Infinity;
  return c;
}

/**
 * Cuts of the distinct values [from, to) (ascending, with their row counts) into at most `bins`
 * bins of about equal counts. A value that alone holds a bin's share gets a bin of its own;
 * a bin holds at least `minDataInBin` rows where the values allow.
 */
function greedyCuts(values: Float64Array, counts: Int32Array, from: number, to: number, bins: number, minDataInBin: number, out: number[]): void {
  const m = to - from;
  let total = 0;
  for (let i = from; i < to; i++) total += counts[i]!;
  bins = Math.max(1, Math.min(bins, Math.floor(total / minDataInBin)));
  if (m <= bins) {
    let inBin = 0;
    for (let i = from; i < to - 1; i++) {
      inBin += counts[i]!;
      if (inBin >= minDataInBin) {
        out.push(cutBetween(values[i]!, values[i + 1]!));
        inBin = 0;
      }
    }
    return;
  }
  let share = total / bins;
  const isBig = (i: number) => counts[i]! >= total / bins;
  let restBins = bins;
  let restRows = total;
  for (let i = from; i < to; i++) {
    if (isBig(i)) {
      restBins--;
      restRows -= counts[i]!;
    }
  }
  share = restRows / Math.max(1, restBins);
  let made = 0;
  let inBin = 0;
  for (let i = from; i < to - 1 && made < bins - 1; i++) {
    const big = isBig(i);
    if (!big) restRows -= counts[i]!;
    inBin += counts[i]!;
    if (big || inBin >= share || (isBig(i + 1) && inBin >= Math.max(1, share / 2))) {
      out.push(cutBetween(values[i]!, values[i + 1]!));
      made++;
      inBin = 0;
      if (!big) {
        restBins--;
        share = restRows / Math.max(1, restBins);
      }
    }
  }
}

/**
 * Cuts of one feature from its sampled non-missing values (float32, ascending). Negative
 * values, zeros and positive values never share a bin; the value bins are shared between the
 * negative and positive runs by their row counts.
 */
export function featureCuts(sorted: Float32Array, maxBin: number, minDataInBin: number): Float32Array {
  const values = new Float64Array(sorted.length);
  const counts = new Int32Array(sorted.length);
  let m = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (m > 0 && values[m - 1] === v) counts[m - 1]!++;
    else {
      values[m] = v;
      counts[m++] = 1;
    }
  }
  if (m <= 1) return new Float32Array(0);
  let negEnd = 0;
  while (negEnd < m && values[negEnd]! < 0) negEnd++;
  let posStart = negEnd;
  while (posStart < m && values[posStart] === 0) posStart++;
  const rows = (from: number, to: number) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += counts[i]!;
    return sum;
  };
  const negRows = rows(0, negEnd);
  const posRows = rows(posStart, m);
  const hasZero = posStart > negEnd;
  const free = maxBin - (hasZero ? 1 : 0);
  let negBins = negRows && posRows ? Math.max(1, Math.round((free * negRows) / (negRows + posRows))) : negRows ? free : 0;
  if (posRows && negBins >= free) negBins = Math.max(1, free - 1);
  const posBins = posRows ? Math.max(1, free - negBins) : 0;

  const cuts: number[] = [];
  if (negEnd > 0) greedyCuts(values, counts, 0, negEnd, negBins, minDataInBin, cuts);
  if (negEnd > 0 && negEnd < m) cuts.push(cutBetween(values[negEnd - 1]!, values[negEnd]!));
  if (hasZero && posStart < m) cuts.push(cutBetween(values[posStart - 1]!, values[posStart]!));
  if (posStart < m) greedyCuts(values, counts, posStart, m, posBins, minDataInBin, cuts);
  return Float32Array.from(cuts);
}

/** Bin of value x (float64; compared as float32) under `b`. */
export function binOf(b: FeatureBinning, x: number): number {
  if (Number.isNaN(x)) return b.nanBin >= 0 ? b.nanBin : b.cuts.length; // unseen in training: the last value bin
  const v = Math.fround(x);
  const cuts = b.cuts;
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v < cuts[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Rows [0, n) of X (row-major, f columns) as bins under `binnings`. */
export function binRows(X: Float64Array, n: number, f: number, binnings: FeatureBinning[]): Uint8Array {
  const bins = new Uint8Array(n * f);
  for (let j = 0; j < f; j++) {
    const b = binnings[j]!;
    for (let i = 0; i < n; i++) bins[i * f + j] = binOf(b, X[i * f + j]!);
  }
  return bins;
}

/** Finds every feature's cuts on (a seeded sample of) rows [0, n) and bins those rows. */
export function binFeatures(X: Float64Array, n: number, f: number, o: BinningOptions): BinnedRows {
  // Selection sampling: exactly min(n, sampleRows) rows, in order.
  let sample: Int32Array;
  if (n <= o.sampleRows) sample = Int32Array.from({ length: n }, (_, i) => i);
  else {
    sample = new Int32Array(o.sampleRows);
    const random = seededRandom(o.seed);
    let need = o.sampleRows;
    for (let i = 0, k = 0; i < n && need > 0; i++) {
      if (random() * (n - i) < need) {
        sample[k++] = i;
        need--;
      }
    }
  }
  const values = new Float32Array(sample.length);
  const binnings: FeatureBinning[] = [];
  for (let j = 0; j < f; j++) {
    let m = 0;
    for (let k = 0; k < sample.length; k++) {
      const v = X[sample[k]! * f + j]!;
      if (!Number.isNaN(v)) values[m++] = v;
    }
    const sorted = values.subarray(0, m).sort();
    const cuts = featureCuts(sorted, o.maxBin, o.minDataInBin);
    let hasNan = false;
    for (let i = 0; i < n && !hasNan; i++) hasNan = Number.isNaN(X[i * f + j]!);
    const valueBins = cuts.length + 1;
    binnings.push({ cuts, nanBin: hasNan ? valueBins : -1, numBins: valueBins + (hasNan ? 1 : 0) });
  }
  return { binnings, bins: binRows(X, n, f, binnings) };
}
