import { SlidingMoments, SlidingRegression } from '../rolling.ts';
import { RingWindow } from '../window.ts';
import { TalibKernel, TalibUnary, isZero, isZeroOrNeg } from './base.ts';

/**
 * STDDEV: population standard deviation × nbdev, computed accurately (not from raw running
 * sums of x and x² as TA-Lib does); 0 when the variance is below TA-Lib's 1e-8 zero.
 */
export class StdDev extends TalibUnary {
  private readonly m: SlidingMoments;
  constructor(
    private readonly period: number,
    private readonly nbdev: number,
  ) {
    super();
    this.m = new SlidingMoments(period);
  }
  protected step1(x: number): number {
    this.m.push(x);
    if (this.m.count < this.period) return NaN;
    const v = this.m.variance();
    return isZeroOrNeg(v) ? 0 : Math.sqrt(v) * this.nbdev;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** VAR: population variance (TA-Lib ignores nbdev here). */
export class Var extends TalibUnary {
  private readonly m: SlidingMoments;
  constructor(private readonly period: number) {
    super();
    this.m = new SlidingMoments(period);
  }
  protected step1(x: number): number {
    this.m.push(x);
    return this.m.count < this.period ? NaN : this.m.variance();
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

export type RegressionOutput = 'value' | 'slope' | 'angle' | 'intercept' | 'forecast';

/**
 * The LINEARREG family: least squares over the last `period` values against time.
 * value = fit at the newest row, intercept = fit at the oldest row, forecast (TSF) = fit one
 * row ahead, slope per row, angle = atan(slope) in degrees.
 */
export class LinearReg extends TalibUnary {
  private readonly r: SlidingRegression;
  constructor(
    private readonly period: number,
    private readonly output: RegressionOutput,
  ) {
    super();
    this.r = new SlidingRegression(period);
  }
  protected step1(x: number): number {
    this.r.push(x);
    if (this.r.count < this.period) return NaN;
    const m = this.r.slope();
    switch (this.output) {
      case 'slope':
        return m;
      case 'angle':
        return (Math.atan(m) * 180) / Math.PI;
      case 'intercept':
        return this.r.interceptAtOldest();
      case 'value':
        return this.r.interceptAtOldest() + m * (this.period - 1);
      case 'forecast':
        return this.r.interceptAtOldest() + m * this.period;
    }
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** CORREL: Pearson correlation of two series over `period` rows; 0 when a variance is ~0. */
export class Correl extends TalibKernel {
  private readonly xs: RingWindow;
  private readonly ys: RingWindow;
  constructor(private readonly period: number) {
    super();
    this.xs = new RingWindow(period);
    this.ys = new RingWindow(period);
  }
  protected step(v: ArrayLike<number>): number {
    this.xs.push(v[0]!);
    this.ys.push(v[1]!);
    if (!this.xs.full) return NaN;
    const n = this.period;
    // Direct O(period) sums about the means: exact where TA-Lib's running sums cancel.
    let mx = 0;
    let my = 0;
    for (let k = 0; k < n; k++) {
      mx += this.xs.at(k);
      my += this.ys.at(k);
    }
    mx /= n;
    my /= n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let k = 0; k < n; k++) {
      const dx = this.xs.at(k) - mx;
      const dy = this.ys.at(k) - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    const d = sxx * syy;
    return isZeroOrNeg(d) ? 0 : sxy / Math.sqrt(d);
  }
}

/** BETA: regression slope of the returns of input 1 on the returns of input 0 over `period` returns. */
export class Beta extends TalibKernel {
  private readonly xs: RingWindow;
  private readonly ys: RingWindow;
  private prevX = NaN;
  private prevY = NaN;
  constructor(private readonly period: number) {
    super();
    this.xs = new RingWindow(period);
    this.ys = new RingWindow(period);
  }
  protected step(v: ArrayLike<number>): number {
    const x = v[0]!;
    const y = v[1]!;
    const first = Number.isNaN(this.prevX);
    const px = this.prevX;
    const py = this.prevY;
    this.prevX = x;
    this.prevY = y;
    if (first) return NaN;
    this.xs.push(px !== 0 ? x / px - 1 : 0);
    this.ys.push(py !== 0 ? y / py - 1 : 0);
    if (!this.xs.full) return NaN;
    const n = this.period;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let k = 0; k < n; k++) {
      const a = this.xs.at(k);
      const b = this.ys.at(k);
      sx += a;
      sy += b;
      sxx += a * a;
      sxy += a * b;
    }
    const d = n * sxx - sx * sx;
    return isZero(d) ? 0 : (n * sxy - sx * sy) / d;
  }
}
