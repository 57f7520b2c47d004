import { SlidingExtremum, SlidingMoments, exactEvery } from '../rolling.ts';
import { RingWindow } from '../window.ts';
import { EmaState, SmaState, TalibKernel, TalibUnary, isZeroOrNeg } from './base.ts';

/** SMA: mean of the last `period` values. */
export class Sma extends TalibUnary {
  private readonly s: SmaState;
  constructor(period: number) {
    super();
    this.s = new SmaState(period);
  }
  protected step1(x: number): number {
    return this.s.push(x);
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** EMA: seeded with the mean of the first `period` values, then k = 2/(period+1). */
export class Ema extends TalibUnary {
  private readonly e: EmaState;
  constructor(period: number) {
    super();
    this.e = new EmaState(period);
  }
  protected step1(x: number): number {
    return this.e.push(x);
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** WMA: linearly weighted mean, weight 1 for the oldest up to `period` for the newest. */
export class Wma extends TalibUnary {
  private readonly win: RingWindow;
  private weighted = 0;
  private plain = 0;
  private sinceExact = 0;
  private readonly divider: number;
  constructor(private readonly period: number) {
    super();
    this.win = new RingWindow(period);
    this.divider = (period * (period + 1)) / 2;
  }
  protected step1(x: number): number {
    const n = this.win.length;
    if (this.win.full) {
      this.weighted += this.period * x - this.plain;
      this.plain += x - this.win.push(x);
    } else {
      this.win.push(x);
      this.weighted += (n + 1) * x;
      this.plain += x;
    }
    if (++this.sinceExact >= exactEvery(this.period)) {
      let w = 0;
      let p = 0;
      for (let k = 0; k < this.win.length; k++) {
        const v = this.win.at(k);
        w += (k + 1) * v;
        p += v;
      }
      this.weighted = w;
      this.plain = p;
      this.sinceExact = 0;
    }
    return this.win.full ? this.weighted / this.divider : NaN;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** DEMA: 2·EMA − EMA(EMA). */
export class Dema extends TalibUnary {
  private readonly e1: EmaState;
  private readonly e2: EmaState;
  constructor(period: number) {
    super();
    this.e1 = new EmaState(period);
    this.e2 = new EmaState(period);
  }
  protected step1(x: number): number {
    const a = this.e1.push(x);
    if (Number.isNaN(a)) return NaN;
    const b = this.e2.push(a);
    return Number.isNaN(b) ? NaN : 2 * a - b;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** TEMA: 3·EMA − 3·EMA² + EMA³. */
export class Tema extends TalibUnary {
  private readonly e1: EmaState;
  private readonly e2: EmaState;
  private readonly e3: EmaState;
  constructor(period: number) {
    super();
    this.e1 = new EmaState(period);
    this.e2 = new EmaState(period);
    this.e3 = new EmaState(period);
  }
  protected step1(x: number): number {
    const a = this.e1.push(x);
    if (Number.isNaN(a)) return NaN;
    const b = this.e2.push(a);
    if (Number.isNaN(b)) return NaN;
    const c = this.e3.push(b);
    return Number.isNaN(c) ? NaN : 3 * a - 3 * b + c;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** TRIMA: triangular mean = SMA of an SMA (periods ⌈p/2⌉,⌈p/2⌉ for odd p; p/2, p/2+1 for even p). */
export class Trima extends TalibUnary {
  private readonly s1: SmaState;
  private readonly s2: SmaState;
  constructor(period: number) {
    super();
    const a = period % 2 === 1 ? (period + 1) / 2 : period / 2;
    const b = period % 2 === 1 ? a : a + 1;
    this.s1 = new SmaState(a);
    this.s2 = new SmaState(b);
  }
  protected step1(x: number): number {
    const a = this.s1.push(x);
    return Number.isNaN(a) ? NaN : this.s2.push(a);
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** KAMA: Kaufman adaptive MA with TA-Lib's constants (fast 2, slow 30); first value at row `period`. */
export class Kama extends TalibUnary {
  private readonly win: RingWindow;
  private sumRoc = 0;
  private prev = NaN;
  private kama = NaN;
  private static readonly slowK = 2 / 31;
  private static readonly diffK = 2 / 3 - 2 / 31;
  constructor(private readonly period: number) {
    super();
    this.win = new RingWindow(period + 1);
  }
  protected step1(x: number): number {
    const hadPrev = !Number.isNaN(this.prev);
    const wasFull = this.win.full;
    const dropped = this.win.push(x);
    if (hadPrev) this.sumRoc += Math.abs(x - this.prev);
    if (wasFull) this.sumRoc -= Math.abs(this.win.oldest() - dropped);
    const prevX = this.prev;
    this.prev = x;
    if (!this.win.full) return NaN;
    const periodRoc = x - this.win.oldest();
    const er = this.sumRoc <= periodRoc || (this.sumRoc > -1e-8 && this.sumRoc < 1e-8) ? 1 : Math.abs(periodRoc / this.sumRoc);
    let sc = er * Kama.diffK + Kama.slowK;
    sc *= sc;
    const base = Number.isNaN(this.kama) ? prevX : this.kama;
    this.kama = (x - base) * sc + base;
    return this.kama;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** BBANDS: SMA ± nbdev·(population std), the std computed accurately and 0 when the variance is ~0. */
export class Bbands extends TalibUnary {
  private readonly m: SlidingMoments;
  constructor(
    private readonly period: number,
    private readonly nbdevup: number,
    private readonly nbdevdn: number,
    private readonly output: 0 | 1 | 2,
  ) {
    super();
    this.m = new SlidingMoments(period);
  }
  protected step1(x: number): number {
    this.m.push(x);
    if (this.m.count < this.period) return NaN;
    const mid = this.m.mean();
    if (this.output === 1) return mid;
    const v = this.m.variance();
    const sd = isZeroOrNeg(v) ? 0 : Math.sqrt(v);
    return this.output === 0 ? mid + this.nbdevup * sd : mid - this.nbdevdn * sd;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** MIDPOINT: (highest + lowest)/2 of the last `period` values. */
export class MidPoint extends TalibUnary {
  private readonly hi: SlidingExtremum;
  private readonly lo: SlidingExtremum;
  private n = 0;
  constructor(private readonly period: number) {
    super();
    this.hi = new SlidingExtremum(period, true);
    this.lo = new SlidingExtremum(period, false);
  }
  protected step1(x: number): number {
    this.hi.push(x);
    this.lo.push(x);
    return ++this.n < this.period ? NaN : (this.hi.value() + this.lo.value()) / 2;
  }
}

/** MIDPRICE: (highest high + lowest low)/2 over `period` rows; inputs high, low. */
export class MidPrice extends TalibKernel {
  private readonly hi: SlidingExtremum;
  private readonly lo: SlidingExtremum;
  private n = 0;
  constructor(private readonly period: number) {
    super();
    this.hi = new SlidingExtremum(period, true);
    this.lo = new SlidingExtremum(period, false);
  }
  protected step(v: ArrayLike<number>): number {
    this.hi.push(v[0]!);
    this.lo.push(v[1]!);
    return ++this.n < this.period ? NaN : (this.hi.value() + this.lo.value()) / 2;
  }
}
