import { SlidingExtremum } from '../rolling.ts';
import { SmaState, TalibUnary } from './base.ts';

/** MIN / MAX over the last `period` values. */
export class Extremum extends TalibUnary {
  private readonly e: SlidingExtremum;
  private n = 0;
  constructor(
    private readonly period: number,
    isMax: boolean,
  ) {
    super();
    this.e = new SlidingExtremum(period, isMax);
  }
  protected step1(x: number): number {
    this.e.push(x);
    return ++this.n < this.period ? NaN : this.e.value();
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}

/** SUM over the last `period` values. */
export class Sum extends TalibUnary {
  private readonly s: SmaState;
  constructor(private readonly period: number) {
    super();
    this.s = new SmaState(period);
  }
  protected step1(x: number): number {
    return Number.isNaN(this.s.push(x)) ? NaN : this.s.total;
  }

  fill(x: Float64Array, out: Float64Array): void {
    for (let i = this.skipLeading(x, out); i < x.length; i++) out[i] = this.step1(x[i]!);
  }
}
