import type { Kernel } from '../kernel.ts';

/**
 * TA-Lib semantics shared by every function: leading rows where an input is missing are
 * skipped (the Python wrapper starts at the first valid row), then the first `lookback`
 * rows of the function yield no value.
 */
export abstract class TalibKernel implements Kernel {
  private started = false;

  /** The row's value; called from the first row where every input is present. */
  protected abstract step(inputs: ArrayLike<number>): number;

  next(inputs: ArrayLike<number>): number {
    if (!this.started) {
      for (let q = 0; q < inputs.length; q++) if (Number.isNaN(inputs[q]!)) return NaN;
      this.started = true;
    }
    return this.step(inputs);
  }
}

/** One-input variant with a scalar fast path. */
export abstract class TalibUnary implements Kernel {
  private started = false;

  protected abstract step1(x: number): number;

  /**
   * Rows before the first value (output NaN); returns the first row to feed to `step1`.
   * Subclasses' `fill` loops use it, then call their own `step1` directly.
   */
  protected skipLeading(x: Float64Array, out: Float64Array): number {
    let i = 0;
    if (!this.started) {
      while (i < x.length && Number.isNaN(x[i]!)) out[i++] = NaN;
      if (i < x.length) this.started = true;
    }
    return i;
  }

  next1(x: number): number {
    if (!this.started) {
      if (Number.isNaN(x)) return NaN;
      this.started = true;
    }
    return this.step1(x);
  }

  next(inputs: ArrayLike<number>): number {
    return this.next1(inputs[0]!);
  }
}

/** TA-Lib's TA_IS_ZERO. */
export const isZero = (v: number): boolean => v > -1e-8 && v < 1e-8;
/** TA-Lib's TA_IS_ZERO_OR_NEG. */
export const isZeroOrNeg = (v: number): boolean => v < 1e-8;

/** Smoothing factor of an exponential moving average of `period` rows. */
export const emaFactor = (period: number): number => 2 / (period + 1);

/**
 * TA-Lib's EMA recurrence on an already-valid stream: the first output is the simple mean of
 * the first `period` values (row period−1), then prev + k·(x − prev).
 */
export class EmaState {
  private n = 0;
  private sum = 0;
  private value = NaN;

  constructor(
    private readonly period: number,
    private readonly k: number = emaFactor(period),
  ) {}

  push(x: number): number {
    if (this.n < this.period) {
      this.sum += x;
      if (++this.n === this.period) this.value = this.sum / this.period;
      return this.value;
    }
    this.value = (x - this.value) * this.k + this.value;
    return this.value;
  }
}

/** Simple moving average on an already-valid stream (running sum, TA-Lib's way), NaN until full. */
export class SmaState {
  private readonly buf: Float64Array;
  private pos = 0;
  private n = 0;
  private sum = 0;

  private readonly every: number;

  constructor(private readonly period: number) {
    this.buf = new Float64Array(period);
    // Every `period` rows: cheap here, and a window of equal values then sums exactly
    // (an oscillator at 0 reads 0, not 1e-14).
    this.every = period;
  }

  private sinceExact = 0;

  /** The window's sum (valid once `period` values were pushed). */
  get total(): number {
    return this.sum;
  }

  push(x: number): number {
    if (this.n === this.period) this.sum -= this.buf[this.pos]!;
    else this.n++;
    this.buf[this.pos] = x;
    this.pos = (this.pos + 1) % this.period;
    this.sum += x;
    // An exact re-summation now and then keeps rounding from accumulating.
    if (++this.sinceExact >= this.every) {
      let s = 0;
      for (let k = 0; k < this.n; k++) s += this.buf[k]!;
      this.sum = s;
      this.sinceExact = 0;
    }
    return this.n === this.period ? this.sum / this.period : NaN;
  }
}

/** Wilder's true range for a row with the previous close (NaN for the very first row). */
export function trueRange(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const a = Math.abs(prevClose - high);
  if (a > greatest) greatest = a;
  const b = Math.abs(prevClose - low);
  if (b > greatest) greatest = b;
  return greatest;
}
