import { TalibKernel } from './base.ts';

export type PriceKind = 'medprice' | 'typprice' | 'avgprice' | 'wclprice';

/**
 * Row-wise price transforms: MEDPRICE (high, low), TYPPRICE (high, low, close),
 * AVGPRICE (open, high, low, close), WCLPRICE (high, low, close, close weighted twice).
 */
export class PriceTransform extends TalibKernel {
  constructor(private readonly kind: PriceKind) {
    super();
  }
  protected step(v: ArrayLike<number>): number {
    switch (this.kind) {
      case 'medprice':
        return (v[0]! + v[1]!) / 2;
      case 'typprice':
        return (v[0]! + v[1]! + v[2]!) / 3;
      case 'avgprice':
        return (v[0]! + v[1]! + v[2]! + v[3]!) / 4;
      case 'wclprice':
        return (v[0]! + v[1]! + v[2]! * 2) / 4;
    }
  }
}

/** BOP: balance of power, (close − open)/(high − low); 0 for a bar without range. */
export class Bop extends TalibKernel {
  protected step(v: ArrayLike<number>): number {
    const range = v[1]! - v[2]!;
    return range < 1e-8 ? 0 : (v[3]! - v[0]!) / range;
  }
}
