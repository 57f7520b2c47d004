import type { Kernel } from '../features/kernel.ts';

/**
 * A buy or sell signal from one or two scores: buy when every score ≥ its threshold, sell
 * when every score ≤ its threshold. NaN compares False. Returns 1/0.
 */
export class ThresholdSignal implements Kernel {
  constructor(
    private readonly side: 'buy' | 'sell',
    private readonly thresholds: number[],
  ) {}
  next(v: ArrayLike<number>): number {
    for (let q = 0; q < this.thresholds.length; q++) {
      const s = v[q]!;
      const t = this.thresholds[q]!;
      if (!(this.side === 'buy' ? s >= t : s <= t)) return 0;
    }
    return 1;
  }
}
