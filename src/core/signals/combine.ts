import type { Kernel } from '../features/kernel.ts';

export type CombineMode = 'difference' | 'relative' | 'no_combine';

/** A score read through its model's calibration before combining (see calibration.ts). */
export type ScoreTransform = (p: number) => number;

/**
 * combine: one score in [−1, +1] from an up score and a down score: difference (up − down),
 * relative (2·up/(up+down) − 1) or, otherwise, up when up ≥ down else −down; then ×coefficient
 * and +constant when those are set (non-zero). With `calibrate`, each score is first read
 * through its model's training calibration (`transforms`: up, down).
 */
export class CombineScores implements Kernel {
  constructor(
    private readonly mode: CombineMode,
    private readonly coefficient: number,
    private readonly constant: number,
    private readonly transforms?: readonly [ScoreTransform, ScoreTransform],
  ) {}
  next(v: ArrayLike<number>): number {
    const up = this.transforms ? this.transforms[0](v[0]!) : v[0]!;
    const down = this.transforms ? this.transforms[1](v[1]!) : v[1]!;
    let s: number;
    if (this.mode === 'difference') s = up - down;
    else if (this.mode === 'relative') s = (up / (up + down)) * 2 - 1;
    else s = up >= down ? up : -down;
    if (this.coefficient) s *= this.coefficient;
    if (this.constant) s += this.constant;
    return s;
  }
}
