import { RingWindow } from './window.ts';

/**
 * How many updates a sliding sum makes before it is recomputed exactly from its window:
 * rare enough to cost little (amortised O(1)), often enough that rounding cannot build up.
 */
export const exactEvery = (size: number): number => Math.max(4 * size, 256);

/**
 * Sliding-window sums that stay accurate over millions of updates: values are summed relative
 * to a reference close to them (so squares do not cancel catastrophically) and the sums are
 * recomputed exactly from the window every `exactEvery(size)` updates.
 */
export class SlidingMoments {
  readonly win: RingWindow;
  private ref = NaN;
  private s1 = 0;
  private s2 = 0;
  private sinceExact = 0;
  private readonly every: number;

  constructor(size: number) {
    this.win = new RingWindow(size);
    this.every = exactEvery(size);
  }

  get count(): number {
    return this.win.length;
  }

  push(x: number): void {
    if (Number.isNaN(this.ref)) this.ref = x;
    const old = this.win.push(x);
    const d = x - this.ref;
    this.s1 += d;
    this.s2 += d * d;
    if (!Number.isNaN(old)) {
      const o = old - this.ref;
      this.s1 -= o;
      this.s2 -= o * o;
    }
    if (++this.sinceExact >= this.every) this.recompute();
  }

  private recompute(): void {
    const n = this.win.length;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += this.win.at(k);
    this.ref = sum / n;
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < n; k++) {
      const d = this.win.at(k) - this.ref;
      s1 += d;
      s2 += d * d;
    }
    this.s1 = s1;
    this.s2 = s2;
    this.sinceExact = 0;
  }

  sum(): number {
    return this.s1 + this.ref * this.win.length;
  }

  mean(): number {
    return this.ref + this.s1 / this.win.length;
  }

  /** Population variance (ddof 0), never negative. */
  variance(): number {
    const n = this.win.length;
    const m = this.s1 / n;
    const v = this.s2 / n - m * m;
    return v > 0 ? v : 0;
  }
}

/**
 * Ordinary least squares of the window's values against their positions 0..n−1 (oldest = 0),
 * kept as sliding sums relative to a reference and recomputed exactly every `size` updates.
 */
export class SlidingRegression {
  readonly win: RingWindow;
  private ref = NaN;
  /** Σ (y − ref) */
  private sy = 0;
  /** Σ k·(y − ref), k = position in the window */
  private sky = 0;
  private sinceExact = 0;
  private readonly every: number;

  constructor(size: number) {
    this.win = new RingWindow(size);
    this.every = exactEvery(size);
  }

  get count(): number {
    return this.win.length;
  }

  push(y: number): void {
    if (Number.isNaN(this.ref)) this.ref = y;
    const wasFull = this.win.full;
    const n = this.win.length;
    const old = this.win.push(y);
    const d = y - this.ref;
    if (wasFull) {
      const o = old - this.ref;
      this.sky = this.sky - (this.sy - o) + (n - 1) * d;
      this.sy = this.sy - o + d;
    } else {
      this.sky += n * d;
      this.sy += d;
    }
    if (++this.sinceExact >= this.every) this.recompute();
  }

  private recompute(): void {
    const n = this.win.length;
    this.ref = this.win.newest();
    let sy = 0;
    let sky = 0;
    for (let k = 0; k < n; k++) {
      const d = this.win.at(k) - this.ref;
      sy += d;
      sky += k * d;
    }
    this.sy = sy;
    this.sky = sky;
    this.sinceExact = 0;
  }

  /** Slope per position; NaN with fewer than two values. */
  slope(): number {
    const n = this.win.length;
    if (n < 2) return NaN;
    const sx = (n * (n - 1)) / 2;
    const sxx = (n * (n - 1) * (2 * n - 1)) / 6;
    return (n * this.sky - sx * this.sy) / (n * sxx - sx * sx);
  }

  /** The fitted value at the oldest position (0). */
  interceptAtOldest(): number {
    const n = this.win.length;
    const m = this.slope();
    return this.ref + this.sy / n - (m * (n - 1)) / 2;
  }
}

/**
 * Running maximum (or minimum) of the last `size` rows with a monotonic deque: O(1) amortised.
 * `latestOnTies` chooses which of equal extremes is reported (TA-Lib's AROON takes the latest).
 */
export class SlidingExtremum {
  private readonly vals: Float64Array;
  private readonly idx: Float64Array;
  private head = 0;
  private tail = 0;
  private row = -1;
  private readonly cap: number;

  constructor(
    readonly size: number,
    private readonly isMax: boolean,
    private readonly latestOnTies = false,
  ) {
    this.cap = size + 1;
    this.vals = new Float64Array(this.cap);
    this.idx = new Float64Array(this.cap);
  }

  /** Adds the next row's value (NaN values are never reported as extremes). */
  push(x: number): void {
    this.row++;
    while (this.head !== this.tail && this.idx[this.head]! <= this.row - this.size) this.head = (this.head + 1) % this.cap;
    if (Number.isNaN(x)) return;
    while (this.head !== this.tail) {
      const backPos = (this.tail - 1 + this.cap) % this.cap;
      const b = this.vals[backPos]!;
      const dominated = this.isMax ? (this.latestOnTies ? b <= x : b < x) : this.latestOnTies ? b >= x : b > x;
      if (!dominated) break;
      this.tail = backPos;
    }
    this.vals[this.tail] = x;
    this.idx[this.tail] = this.row;
    this.tail = (this.tail + 1) % this.cap;
  }

  /** The extreme value of the window (NaN when the window has no value). */
  value(): number {
    return this.head === this.tail ? NaN : this.vals[this.head]!;
  }

  /** How many rows ago the extreme occurred (0 = the newest row). */
  age(): number {
    return this.head === this.tail ? NaN : this.row - this.idx[this.head]!;
  }
}
