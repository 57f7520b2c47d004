import type { Kernel } from '../features/kernel.ts';
import { RingWindow } from '../features/window.ts';

export interface SmoothenOptions {
  /** Binarise the row mean: ≥ threshold → 1, else 0 (NaN → 0). */
  pointThreshold?: number;
  /** Integer window: rolling mean (min_periods = window // 2); fractional: EWM with span = window. */
  window?: number;
  /** True when the config wrote the window as a float (EWM). */
  exponential?: boolean;
}

/**
 * smoothen: the row mean of the score columns (NaN skipped), optionally binarised, optionally
 * smoothed over past rows (pandas rolling mean or EWM with adjust=False).
 */
export class Smoothen implements Kernel {
  private readonly win?: RingWindow;
  private sum = 0;
  private valid = 0;
  private readonly minPeriods: number;
  private readonly alpha: number;
  private ewm = NaN;
  private oldWeight = 1;
  private observations = 0;

  constructor(private readonly o: SmoothenOptions) {
    const w = o.window;
    this.minPeriods = w ? Math.floor(w / 2) : 0;
    this.alpha = w ? 2 / (w + 1) : 1;
    if (w && !o.exponential) this.win = new RingWindow(w);
  }

  next(v: ArrayLike<number>): number {
    let s = 0;
    let n = 0;
    for (let q = 0; q < v.length; q++) {
      const x = v[q]!;
      if (x === x) {
        s += x;
        n++;
      }
    }
    let x = n ? s / n : NaN;
    if (this.o.pointThreshold) x = x >= this.o.pointThreshold ? 1 : 0;
    if (!this.o.window) return x;
    return this.o.exponential ? this.nextEwm(x) : this.nextMean(x);
  }

  private nextMean(x: number): number {
    const old = this.win!.push(x);
    if (x === x) {
      this.sum += x;
      this.valid++;
    }
    if (old === old) {
      this.sum -= old;
      this.valid--;
    }
    // An exact re-summation when the window is clean of rounding from removed values.
    if (this.valid === 0) this.sum = 0;
    return this.valid >= Math.max(this.minPeriods, 1) ? this.sum / this.valid : NaN;
  }

  /** pandas ewm(span, adjust=False, ignore_na=False): gaps decay the old weight. */
  private nextEwm(x: number): number {
    const isObs = x === x;
    if (isObs) this.observations++;
    if (this.ewm === this.ewm) {
      this.oldWeight *= 1 - this.alpha;
      if (isObs) {
        if (this.ewm !== x) this.ewm = (this.oldWeight * this.ewm + this.alpha * x) / (this.oldWeight + this.alpha);
        this.oldWeight = 1;
      }
    } else if (isObs) {
      this.ewm = x;
    }
    return this.observations >= this.minPeriods ? this.ewm : NaN;
  }
}
