import { TalibKernel } from './base.ts';

/** OBV: running volume signed by the close's direction; inputs close, volume. */
export class Obv extends TalibKernel {
  private obv = NaN;
  private prevClose = NaN;
  protected step(v: ArrayLike<number>): number {
    const c = v[0]!;
    const vol = v[1]!;
    if (Number.isNaN(this.obv)) this.obv = vol;
    else if (c > this.prevClose) this.obv += vol;
    else if (c < this.prevClose) this.obv -= vol;
    this.prevClose = c;
    return this.obv;
  }
}

/** Accumulation/distribution increment of one bar. */
function adStep(h: number, l: number, c: number, vol: number): number {
  const range = h - l;
  return range > 0 ? ((c - l - (h - c)) / range) * vol : 0;
}

/** AD: Chaikin accumulation/distribution line; inputs high, low, close, volume. */
export class Ad extends TalibKernel {
  private ad = 0;
  protected step(v: ArrayLike<number>): number {
    this.ad += adStep(v[0]!, v[1]!, v[2]!, v[3]!);
    return this.ad;
  }
}

/** ADOSC: fast EMA − slow EMA of the AD line, both seeded with the first AD value. */
export class AdOsc extends TalibKernel {
  private ad = 0;
  private fastE = NaN;
  private slowE = NaN;
  private n = 0;
  private readonly kf: number;
  private readonly ks: number;
  private readonly lookback: number;
  constructor(fast: number, slow: number) {
    super();
    this.kf = 2 / (fast + 1);
    this.ks = 2 / (slow + 1);
    this.lookback = Math.max(fast, slow) - 1;
  }
  protected step(v: ArrayLike<number>): number {
    this.ad += adStep(v[0]!, v[1]!, v[2]!, v[3]!);
    if (this.n === 0) {
      this.fastE = this.ad;
      this.slowE = this.ad;
    } else {
      this.fastE = this.kf * this.ad + (1 - this.kf) * this.fastE;
      this.slowE = this.ks * this.ad + (1 - this.ks) * this.slowE;
    }
    return this.n++ < this.lookback ? NaN : this.fastE - this.slowE;
  }
}
