import { UnaryKernel } from './kernel.ts';
import { SlidingMoments, SlidingRegression } from './rolling.ts';
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
  constructor(
    size: number,
    private readonly minPeriods: number,
    private readonly fn: (window: Float64Array) => number,
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
  }  fill(x: Float64Array, out: Float64Array): void {
    for (let i = 0; i < x.length; i++) out[i] = this.next1(x[i]!);
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
    // Inputs are filled, so NaN only precedes the first value (where pandas has no row either).
    if (x !== x) return NaN;
    this.m.push(x);
    if (this.m.count < this.minPeriods) return NaN;
    if (this.stat === 'slope') return (this.m as SlidingRegression).slope();
    const mm = this.m as SlidingMoments;
    return this.stat === 'mean' ? mm.mean() : Math.sqrt(mm.variance());
  }  fill(x: Float64Array, out: Float64Array): void {
    for (let i = 0; i < x.length; i++) out[i] = this.next1(x[i]!);
  }

}
