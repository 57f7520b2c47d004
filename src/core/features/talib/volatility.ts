import { TalibKernel, isZero, trueRange } from './base.ts';

/** TRANGE: true range (from the second row). Inputs high, low, close. */
export class TRange extends TalibKernel {
  private prevClose = NaN;
  protected step(v: ArrayLike<number>): number {
    const prev = this.prevClose;
    this.prevClose = v[2]!;
    return Number.isNaN(prev) ? NaN : trueRange(v[0]!, v[1]!, prev);
  }
}

/** ATR (Wilder smoothing of the true range, seeded with its mean), or NATR = 100·ATR/close. */
export class Atr extends TalibKernel {
  private prevClose = NaN;
  private n = 0;
  private atr = 0;
  constructor(
    private readonly period: number,
    private readonly normalized: boolean,
  ) {
    super();
  }
  protected step(v: ArrayLike<number>): number {
    const prev = this.prevClose;
    const c = v[2]!;
    this.prevClose = c;
    if (Number.isNaN(prev)) return NaN;
    const tr = trueRange(v[0]!, v[1]!, prev);
    const p = this.period;
    if (this.n < p) {
      this.atr += tr;
      if (++this.n < p) return NaN;
      this.atr /= p;
    } else {
      this.atr = (this.atr * (p - 1) + tr) / p;
    }
    if (!this.normalized) return this.atr;
    return isZero(c) ? 0 : (this.atr / c) * 100;
  }
}
