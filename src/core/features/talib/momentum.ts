import { SlidingExtremum } from '../rolling.ts';
import { RingWindow } from '../window.ts';
import { EmaState, SmaState, TalibKernel, TalibUnary, emaFactor, isZero, trueRange } from './base.ts';

export type ChangeKind = 'mom' | 'roc' | 'rocp' | 'rocr' | 'rocr100';

/** MOM / ROC / ROCP / ROCR / ROCR100: change against the value `period` rows back. */
export class Change extends TalibUnary {
  private readonly win: RingWindow;
  constructor(
    period: number,
    private readonly kind: ChangeKind,
  ) {
    super();
    this.win = new RingWindow(period + 1);
  }
  protected step1(x: number): number {
    this.win.push(x);
    if (!this.win.full) return NaN;
    const prev = this.win.oldest();
    switch (this.kind) {
      case 'mom':
        return x - prev;
      case 'roc':
        return prev !== 0 ? (x / prev - 1) * 100 : 0;
      case 'rocp':
        return prev !== 0 ? (x - prev) / prev : 0;
      case 'rocr':
        return prev !== 0 ? x / prev : 0;
      case 'rocr100':
        return prev !== 0 ? (x / prev) * 100 : 0;
    }
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** Wilder's RSI state on an already-valid stream (first value at row `period`). */
export class RsiState {
  private prev = NaN;
  private gain = 0;
  private loss = 0;
  private n = 0;
  constructor(private readonly period: number) {}
  push(x: number): number {
    if (Number.isNaN(this.prev)) {
      this.prev = x;
      return NaN;
    }
    const d = x - this.prev;
    this.prev = x;
    const p = this.period;
    if (this.n < p) {
      if (d < 0) this.loss -= d;
      else this.gain += d;
      if (++this.n < p) return NaN;
      this.loss /= p;
      this.gain /= p;
    } else {
      this.loss *= p - 1;
      this.gain *= p - 1;
      if (d < 0) this.loss -= d;
      else this.gain += d;
      this.loss /= p;
      this.gain /= p;
    }
    const t = this.gain + this.loss;
    return isZero(t) ? 0 : 100 * (this.gain / t);
  }
}

export class Rsi extends TalibUnary {
  private readonly r: RsiState;
  constructor(period: number) {
    super();
    this.r = new RsiState(period);
  }
  protected step1(x: number): number {
    return this.r.push(x);
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/**
 * MACD with TA-Lib's alignment: both EMAs start at row slow−1 (the fast one seeded with the
 * mean of its last `fast` values there), the signal EMA runs on MACD from that row, and all
 * three outputs start at row slow−1 + signal−1.
 */
export class Macd extends TalibUnary {
  private readonly fastWin: RingWindow;
  private slowSum = 0;
  private n = 0;
  private fastE = NaN;
  private slowE = NaN;
  private readonly sig: EmaState;
  private readonly kf: number;
  private readonly ks: number;
  private readonly fast: number;
  private readonly slow: number;
  constructor(
    fast: number,
    slow: number,
    signal: number,
    private readonly output: 0 | 1 | 2,
  ) {
    super();
    if (slow < fast) [fast, slow] = [slow, fast];
    this.fast = fast;
    this.slow = slow;
    this.fastWin = new RingWindow(fast);
    this.kf = emaFactor(fast);
    this.ks = emaFactor(slow);
    this.sig = new EmaState(signal);
  }
  protected step1(x: number): number {
    this.n++;
    if (this.n < this.slow) {
      this.fastWin.push(x);
      this.slowSum += x;
      return NaN;
    }
    if (this.n === this.slow) {
      this.fastWin.push(x);
      this.slowSum += x;
      let s = 0;
      for (let k = 0; k < this.fast; k++) s += this.fastWin.at(k);
      this.fastE = s / this.fast;
      this.slowE = this.slowSum / this.slow;
    } else {
      this.fastE = (x - this.fastE) * this.kf + this.fastE;
      this.slowE = (x - this.slowE) * this.ks + this.slowE;
    }
    const macd = this.fastE - this.slowE;
    const signal = this.sig.push(macd);
    if (Number.isNaN(signal)) return NaN;
    return this.output === 0 ? macd : this.output === 1 ? signal : macd - signal;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/**
 * Wilder's directional movement; `output` selects ADX, +DI, −DI, DX or the smoothed +DM / −DM
 * (TA-Lib's running sums, first value at row period−1). Inputs high, low, close.
 */
export class Adx extends TalibKernel {
  private n = 0;
  private prevHigh = NaN;
  private prevLow = NaN;
  private prevClose = NaN;
  private plusDm = 0;
  private minusDm = 0;
  private tr = 0;
  private sumDx = 0;
  private adx = NaN;
  constructor(
    private readonly period: number,
    private readonly output: 'adx' | 'plus_di' | 'minus_di' | 'dx' | 'plus_dm' | 'minus_dm',
  ) {
    super();
  }
  protected step(v: ArrayLike<number>): number {
    const h = v[0]!;
    const l = v[1]!;
    const c = v[2]!;
    const p = this.period;
    const idx = this.n++;
    if (idx === 0) {
      this.prevHigh = h;
      this.prevLow = l;
      this.prevClose = c;
      return NaN;
    }
    const diffP = h - this.prevHigh;
    const diffM = this.prevLow - l;
    const tr = trueRange(h, l, this.prevClose);
    this.prevHigh = h;
    this.prevLow = l;
    this.prevClose = c;
    if (idx >= p) {
      this.minusDm -= this.minusDm / p;
      this.plusDm -= this.plusDm / p;
      this.tr = this.tr - this.tr / p + tr;
    } else {
      this.tr += tr;
    }
    if (diffM > 0 && diffP < diffM) this.minusDm += diffM;
    else if (diffP > 0 && diffP > diffM) this.plusDm += diffP;
    if (this.output === 'plus_dm') return idx < p - 1 ? NaN : this.plusDm;
    if (this.output === 'minus_dm') return idx < p - 1 ? NaN : this.minusDm;
    if (idx < p) return NaN;
    let plusDi = 0;
    let minusDi = 0;
    let dx = NaN;
    if (!isZero(this.tr)) {
      minusDi = 100 * (this.minusDm / this.tr);
      plusDi = 100 * (this.plusDm / this.tr);
      const s = minusDi + plusDi;
      if (!isZero(s)) dx = 100 * (Math.abs(minusDi - plusDi) / s);
    }
    if (this.output === 'plus_di') return plusDi;
    if (this.output === 'minus_di') return minusDi;
    if (this.output === 'dx') return Number.isNaN(dx) ? 0 : dx;
    if (idx < 2 * p - 1) {
      if (!Number.isNaN(dx)) this.sumDx += dx;
      return NaN;
    }
    if (idx === 2 * p - 1) {
      if (!Number.isNaN(dx)) this.sumDx += dx;
      this.adx = this.sumDx / p;
    } else if (!Number.isNaN(dx)) {
      this.adx = (this.adx * (p - 1) + dx) / p;
    }
    return this.adx;
  }
}

/** CCI: (typical price − its SMA) / (0.015 · mean absolute deviation); inputs high, low, close. */
export class Cci extends TalibKernel {
  private readonly win: RingWindow;
  constructor(private readonly period: number) {
    super();
    this.win = new RingWindow(period);
  }
  protected step(v: ArrayLike<number>): number {
    const tp = (v[0]! + v[1]! + v[2]!) / 3;
    this.win.push(tp);
    if (!this.win.full) return NaN;
    const n = this.period;
    let s = 0;
    for (let k = 0; k < n; k++) s += this.win.at(k);
    const avg = s / n;
    let dev = 0;
    for (let k = 0; k < n; k++) dev += Math.abs(this.win.at(k) - avg);
    dev /= n;
    const num = tp - avg;
    return num !== 0 && dev !== 0 ? num / (0.015 * dev) : 0;
  }
}

/** Fast %K: where the close sits in the high–low range of the last `period` rows (0–100). */
class FastK {
  private readonly hi: SlidingExtremum;
  private readonly lo: SlidingExtremum;
  private n = 0;
  constructor(private readonly period: number) {
    this.hi = new SlidingExtremum(period, true);
    this.lo = new SlidingExtremum(period, false);
  }
  push(h: number, l: number, c: number): number {
    this.hi.push(h);
    this.lo.push(l);
    if (++this.n < this.period) return NaN;
    const hh = this.hi.value();
    const ll = this.lo.value();
    const diff = (hh - ll) / 100;
    return diff !== 0 ? (c - ll) / diff : 0;
  }
}

/** STOCH (SMA smoothing): output 0 = slowk, 1 = slowd; inputs high, low, close. */
export class Stoch extends TalibKernel {
  private readonly k: FastK;
  private readonly sk: SmaState;
  private readonly sd: SmaState;
  constructor(
    fastk: number,
    slowk: number,
    slowd: number,
    private readonly output: 0 | 1,
  ) {
    super();
    this.k = new FastK(fastk);
    this.sk = new SmaState(slowk);
    this.sd = new SmaState(slowd);
  }
  protected step(v: ArrayLike<number>): number {
    const fk = this.k.push(v[0]!, v[1]!, v[2]!);
    if (Number.isNaN(fk)) return NaN;
    const slowK = this.sk.push(fk);
    if (Number.isNaN(slowK)) return NaN;
    const slowD = this.sd.push(slowK);
    if (Number.isNaN(slowD)) return NaN;
    return this.output === 0 ? slowK : slowD;
  }
}

/** STOCHRSI: fast stochastic of the RSI; output 0 = fastk, 1 = fastd (SMA). */
export class StochRsi extends TalibUnary {
  private readonly rsi: RsiState;
  private readonly k: FastK;
  private readonly d: SmaState;
  constructor(
    period: number,
    fastk: number,
    fastd: number,
    private readonly output: 0 | 1,
  ) {
    super();
    this.rsi = new RsiState(period);
    this.k = new FastK(fastk);
    this.d = new SmaState(fastd);
  }
  protected step1(x: number): number {
    const r = this.rsi.push(x);
    if (Number.isNaN(r)) return NaN;
    const fk = this.k.push(r, r, r);
    if (Number.isNaN(fk)) return NaN;
    const fd = this.d.push(fk);
    if (Number.isNaN(fd)) return NaN;
    return this.output === 0 ? fk : fd;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** WILLR: Williams %R over `period` rows (−100..0); inputs high, low, close. */
export class Willr extends TalibKernel {
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
    if (++this.n < this.period) return NaN;
    const hh = this.hi.value();
    const diff = (hh - this.lo.value()) / -100;
    return diff !== 0 ? (hh - v[2]!) / diff : 0;
  }
}

/** MFI: money flow index over `period` rows; inputs high, low, close, volume. */
export class Mfi extends TalibKernel {
  private readonly pos: RingWindow;
  private readonly neg: RingWindow;
  private prevTp = NaN;
  constructor(private readonly period: number) {
    super();
    this.pos = new RingWindow(period);
    this.neg = new RingWindow(period);
  }
  protected step(v: ArrayLike<number>): number {
    const tp = (v[0]! + v[1]! + v[2]!) / 3;
    const prev = this.prevTp;
    this.prevTp = tp;
    if (Number.isNaN(prev)) return NaN;
    const flow = tp * v[3]!;
    this.pos.push(tp > prev ? flow : 0);
    this.neg.push(tp < prev ? flow : 0);
    if (!this.pos.full) return NaN;
    // Summed afresh each row: running sums leave ±1e-13 where a side has no flow at all.
    let posSum = 0;
    let negSum = 0;
    for (let k = 0; k < this.period; k++) {
      posSum += this.pos.at(k);
      negSum += this.neg.at(k);
    }
    const t = posSum + negSum;
    return t < 1 ? 0 : 100 * (posSum / t);
  }
}

/** AROON over `period`+1 rows (latest extreme wins ties); output 0 = aroondown, 1 = aroonup, 2 = AROONOSC. */
export class Aroon extends TalibKernel {
  private readonly hi: SlidingExtremum;
  private readonly lo: SlidingExtremum;
  private n = 0;
  constructor(
    private readonly period: number,
    private readonly output: 0 | 1 | 2,
  ) {
    super();
    this.hi = new SlidingExtremum(period + 1, true, true);
    this.lo = new SlidingExtremum(period + 1, false, true);
  }
  protected step(v: ArrayLike<number>): number {
    this.hi.push(v[0]!);
    this.lo.push(v[1]!);
    if (++this.n <= this.period) return NaN;
    const f = 100 / this.period;
    const down = f * (this.period - this.lo.age());
    const up = f * (this.period - this.hi.age());
    return this.output === 0 ? down : this.output === 1 ? up : up - down;
  }
}

/**
 * APO / PPO (TA-Lib's default simple moving averages): fast MA − slow MA, or that as a
 * percentage of the slow MA (0 when the slow MA is ~0). Periods are swapped if given reversed.
 */
export class PriceOscillator extends TalibUnary {
  private readonly fast: SmaState;
  private readonly slow: SmaState;
  constructor(
    fast: number,
    slow: number,
    private readonly percent: boolean,
  ) {
    super();
    if (slow < fast) [fast, slow] = [slow, fast];
    this.fast = new SmaState(fast);
    this.slow = new SmaState(slow);
  }
  protected step1(x: number): number {
    const f = this.fast.push(x);
    const s = this.slow.push(x);
    if (Number.isNaN(s)) return NaN;
    if (!this.percent) return f - s;
    return isZero(s) ? 0 : ((f - s) / s) * 100;
  }
}

/** TRIX: one-row rate of change (percent) of a triple EMA. */
export class Trix extends TalibUnary {
  private readonly e1: EmaState;
  private readonly e2: EmaState;
  private readonly e3: EmaState;
  private prev = NaN;
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
    if (Number.isNaN(c)) return NaN;
    const prev = this.prev;
    this.prev = c;
    if (Number.isNaN(prev)) return NaN;
    return prev !== 0 ? (c / prev - 1) * 100 : 0;
  }
}

/** ADXR: mean of today's ADX and the ADX `period`−1 rows back. Inputs high, low, close. */
export class Adxr extends TalibKernel {
  private readonly adx: Adx;
  private readonly past: RingWindow;
  constructor(period: number) {
    super();
    this.adx = new Adx(period, 'adx');
    this.past = new RingWindow(period);
  }
  protected step(v: ArrayLike<number>): number {
    const a = this.adx.next(v);
    if (Number.isNaN(a)) return NaN;
    this.past.push(a);
    return this.past.full ? (a + this.past.oldest()) / 2 : NaN;
  }
}
