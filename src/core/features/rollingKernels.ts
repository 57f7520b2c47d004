import { UnaryKernel } from './kernel.ts';
import { SlidingExtremum, SlidingMoments, SlidingRegression } from './rolling.ts';
import { RingWindow } from './window.ts';

/** pandas' default for the original's rolling aggregations: at least half the window. */
export const halfWindow = (w: number): number => Math.max(1, Math.floor(w / 2));

/**
 * A pandas-style rolling window over rows: the window holds the last `size` rows (fewer at
 * the start of the series), NaN rows included; the statistic is computed on that window
 * when it has at least `minPeriods` values, else the row has none. O(window) per row.
 */
export class RollingApply extends UnaryKernel {
  private readonly win: RingWindow;
  private readonly scratch: Float64Array[];
  private valid = 0;
  /**
   * `fn` computes the statistic of one window; `fnOf`, when given, must be the same statistic
   * of rows [from, to) of an array read in place (fn(x) === fnOf(x, 0, x.length)): batch runs
   * use it and spare a view per row.
   */
  constructor(
    size: number,
    private readonly minPeriods: number,
    private readonly fn: (window: Float64Array) => number,
    private readonly fnOf?: (x: Float64Array, from: number, to: number) => number,
  ) {
    super();
    this.win = new RingWindow(size);
    this.scratch = Array.from({ length: size + 1 }, (_, k) => new Float64Array(k));
  }
  next1(x: number): number {
    const old = this.win.push(x);
    if (x === x) this.valid++;
    if (old === old) this.valid--;
    if (this.valid < this.minPeriods) return NaN;
    return this.fn(this.win.copyTo(this.scratch[this.win.length]!));
  }

  /**
   * Batch: on a fresh kernel the window of row i is the input's own rows, so the statistic
   * reads them in place (no ring, no copy); the same function on the same values gives the
   * same numbers as next1. The last rows are then loaded into the ring for streaming.
   */
  fill(x: Float64Array, out: Float64Array): void {
    if (this.win.length > 0) {
      for (let i = 0; i < x.length; i++) out[i] = this.next1(x[i]!);
      return;
    }
    const size = this.win.size;
    const { fn, fnOf } = this;
    let valid = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (v === v) valid++;
      if (i >= size) {
        const old = x[i - size]!;
        if (old === old) valid--;
      }
      const from = i >= size ? i - size + 1 : 0;
      out[i] = valid < this.minPeriods ? NaN : fnOf ? fnOf(x, from, i + 1) : fn(x.subarray(from, i + 1));
    }
    for (let i = Math.max(0, x.length - size); i < x.length; i++) this.win.push(x[i]!);
    this.valid = valid;
  }
}

/**
 * Rolling mean / population std / slope in O(1) per row for a series whose missing values
 * are all at its start (the generators fill the inputs first), with pandas' window rules.
 */
export class RollingMoment extends UnaryKernel {
  private readonly m: SlidingMoments | SlidingRegression;
  constructor(
    private readonly size: number,
    private readonly minPeriods: number,
    private readonly stat: 'mean' | 'std' | 'slope',
  ) {
    super();
    this.m = stat === 'slope' ? new SlidingRegression(size) : new SlidingMoments(size);
  }
  next1(x: number): number {
    // Used on filled inputs only (see itbstats), so NaN only precedes the first value.
    if (x !== x) return NaN;
    this.m.push(x);
    if (this.m.count < this.minPeriods) return NaN;
    if (this.stat === 'slope') return (this.m as SlidingRegression).slope();
    const mm = this.m as SlidingMoments;
    return this.stat === 'mean' ? mm.mean() : Math.sqrt(mm.variance());
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = 0; i < x.length; i++) out[i] = this.next1(x[i]!);
  }
}

/**
 * fmax in O(1) per row: position of the window's first maximum ÷ window length, where (as
 * np.argmax does) a missing value counts as the maximum. Same numbers as
 * RollingApply(firstLocationOfMaximum).
 */
export class RollingFirstMax extends UnaryKernel {
  private readonly max: SlidingExtremum;
  /** Rows of missing values still inside the window, oldest first. */
  private readonly gaps: number[] = [];
  private gapHead = 0;
  private row = -1;
  private valid = 0;
  private readonly recent: RingWindow;
  constructor(
    private readonly size: number,
    private readonly minPeriods: number,
  ) {
    super();
    this.max = new SlidingExtremum(size, true, false);
    this.recent = new RingWindow(size);
  }
  next1(x: number): number {
    const row = ++this.row;
    const old = this.recent.push(x);
    if (x === x) this.valid++;
    if (old === old) this.valid--;
    this.max.push(x);
    if (x !== x) this.gaps.push(row);
    const start = Math.max(0, row - this.size + 1);
    while (this.gapHead < this.gaps.length && this.gaps[this.gapHead]! < start) this.gapHead++;
    if (this.gapHead > 1024 && this.gapHead * 2 > this.gaps.length) {
      this.gaps.splice(0, this.gapHead);
      this.gapHead = 0;
    }
    if (this.valid < this.minPeriods) return NaN;
    const len = row - start + 1;
    const at = this.gapHead < this.gaps.length ? this.gaps[this.gapHead]! : row - this.max.age();
    return (at - start) / len;
  }
  fill(x: Float64Array, out: Float64Array): void {
    for (let i = 0; i < x.length; i++) out[i] = this.next1(x[i]!);
  }
}
