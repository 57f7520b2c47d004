import { describe, expect, it } from 'vitest';
import type { GeneratorDef } from '../../src/config/schema.ts';
import { Frame } from '../../src/core/frame.ts';
import { computeSignals } from '../../src/core/generators/index.ts';
import { calibrateScore, calibrationOf, percentileOf, type ScoreCalibration } from '../../src/core/signals/calibration.ts';
import { sampleConfig } from './helpers.ts';

const N = NaN;
const round = (v: ArrayLike<number>) => Array.from(v, (x) => +x.toFixed(12));

describe('calibration of a model score against its training rows', () => {
  it('stores the base rate, the mean score and numpy-style linear quantiles (NaN left out)', () => {
    // Sorted: 0.1 0.2 0.3 0.4 0.9; quantile j/4 sits at position j·(5−1)/4 = j.
    const c = calibrationOf([0.4, 0.1, N, 0.9, 0.3, 0.2], 0.02, 5);
    expect(c.base_rate).toBe(0.02);
    expect(c.mean_score).toBeCloseTo(1.9 / 5, 12);
    expect(c.quantiles).toEqual([0.1, 0.2, 0.3, 0.4, 0.9]);
    // Three points: positions 0, 2, 4 → 0.1, 0.3, 0.9; four points: positions 0, 4/3, 8/3, 4.
    expect(calibrationOf([0.4, 0.1, 0.9, 0.3, 0.2], 0, 3).quantiles).toEqual([0.1, 0.3, 0.9]);
    // 4/3 → 0.2 + (0.3 − 0.2)/3; 8/3 → 0.3 + 2·(0.4 − 0.3)/3
    expect(round(calibrationOf([0.4, 0.1, 0.9, 0.3, 0.2], 0, 4).quantiles)).toEqual(round([0.1, 0.2 + 0.1 / 3, 0.3 + 0.2 / 3, 0.9]));
  });

  it('percentile: linear between neighbouring quantiles, 0 below the first, 1 above the last', () => {
    const q = [0, 0.1, 0.2, 0.4]; // k = 3: the entries stand at 0, 1/3, 2/3, 1
    expect(percentileOf(0.05, q)).toBeCloseTo(0.5 / 3, 12);
    expect(percentileOf(0.3, q)).toBeCloseTo(2.5 / 3, 12);
    expect(percentileOf(0.1, q)).toBeCloseTo(1 / 3, 12);
    expect(percentileOf(0.4, q)).toBe(1);
    expect(percentileOf(-0.1, q)).toBe(0);
    expect(percentileOf(0.9, q)).toBe(1);
    expect(percentileOf(N, q)).toBeNaN();
  });

  it('percentile of a score equal to a run of equal quantiles is the run’s middle', () => {
    // k = 4; entries 1..3 equal 0.1 → (1/4 + 3/4)/2 = 0.5; below the run: interpolated from entry 0
    const q = [0, 0.1, 0.1, 0.1, 0.5];
    expect(percentileOf(0.1, q)).toBe(0.5);
    expect(percentileOf(0.05, q)).toBeCloseTo(0.125, 12);
    expect(percentileOf(0.3, q)).toBeCloseTo(0.875, 12);
    expect(percentileOf(0, [0, 0, 0.2])).toBe(0.25); // entries 0 and 1 at 0 and 1/2
  });

  it('base_rate: (p − b) / b; none: the score itself', () => {
    const c: ScoreCalibration = { base_rate: 0.015, mean_score: 0.015, quantiles: [0, 0.01, 0.02] };
    expect(calibrateScore('base_rate', 0.03, c)).toBeCloseTo(1, 12);
    expect(calibrateScore('base_rate', 0.015, c)).toBe(0);
    expect(calibrateScore('base_rate', 0, c)).toBe(-1);
    expect(calibrateScore('percentile', 0.015, c)).toBeCloseTo(0.75, 12);
    expect(calibrateScore('none', 0.03, c)).toBe(0.03);
  });
});

describe('combine with calibrate', () => {
  // The up model (base rate 1 %) and the down model (base rate 2 %) with their training quantiles.
  const calibrations: Record<string, ScoreCalibration> = {
    high_20_lc: { base_rate: 0.01, mean_score: 0.01, quantiles: [0, 0.005, 0.01, 0.02, 0.1] },
    low_20_lc: { base_rate: 0.02, mean_score: 0.02, quantiles: [0, 0.01, 0.02, 0.04, 0.2] },
  };
  const source = (c: string) => calibrations[c];
  const cfg = (config: Record<string, unknown>) => ({
    ...sampleConfig('config-sample-1min.jsonc'),
    signal_sets: [{ generator: 'combine', config: { columns: ['high_20_lc', 'low_20_lc'], names: 'score', combine: 'difference', ...config } }] as GeneratorDef[],
  });
  const frame = () => {
    const f = new Frame([0, 1, 2, 3]);
    f.set('high_20_lc', [0.01, 0.02, 0.005, N]);
    f.set('low_20_lc', [0.02, 0.02, 0.03, 0.02]);
    return f;
  };

  it('percentile: each score’s rank among its own training scores, then the difference', () => {
    const f = frame();
    computeSignals(f, cfg({ calibrate: 'percentile' }), { calibration: source });
    // Row 0: both at their training median (0.5 − 0.5); row 1: up 0.75, down 0.5;
    // row 2: up 0.25, down halfway between 0.5 and 0.75; row 3: a missing score.
    expect(round(f.get('score'))).toEqual([0, 0.25, -0.375, N]);
    // The original's formula on the same rows leans to the model with the higher base rate.
    const raw = frame();
    computeSignals(raw, cfg({}));
    expect(round(raw.get('score'))).toEqual([-0.01, 0, -0.025, N]);
  });

  it('base_rate: each score’s excess over its base rate in units of it, then the difference', () => {
    const f = frame();
    computeSignals(f, cfg({ calibrate: 'base_rate' }), { calibration: source });
    // Row 0: 0 − 0; row 1: 1 − 0; row 2: −0.5 − 0.5
    expect(round(f.get('score'))).toEqual([0, 1, -1, N]);
  });

  it('says in one sentence when the calibration is missing or cannot be combined', () => {
    expect(() => computeSignals(frame(), cfg({ calibrate: 'percentile' }))).toThrow(
      'signal_sets[0].config.calibrate: "percentile" reads the models\' training calibration, which this command has no models for',
    );
    expect(() => computeSignals(frame(), cfg({ calibrate: 'percentile', columns: ['high_20_lc', 'x'] }), { calibration: source })).toThrow(
      'signal_sets[0].config.calibrate: column "x" has no training calibration: it is not the score of a model trained by this version (retrain with `itb train`)',
    );
    expect(() => computeSignals(frame(), cfg({ calibrate: 'base_rate', combine: 'relative' }), { calibration: source })).toThrow(/"base_rate" gives negative values/);
    expect(() => computeSignals(frame(), cfg({ calibrate: 'rank' }), { calibration: source })).toThrow(
      'signal_sets[0].config.calibrate: expected one of "none", "percentile", "base_rate", got "rank"',
    );
  });

  it('reads the calibration on every row, so new models take effect on the next row', () => {
    let current = calibrations;
    const swapped = { high_20_lc: { ...calibrations.high_20_lc!, base_rate: 0.02 }, low_20_lc: calibrations.low_20_lc! };
    const f = frame();
    let rows = 0;
    computeSignals(f, cfg({ calibrate: 'base_rate' }), {
      calibration: (c) => {
        if (c === 'high_20_lc' && ++rows === 3) current = swapped; // from row 1 on (one lookup at compile time)
        return current[c];
      },
    });
    // Row 1 with the up model's base rate 2 %: 0 − 0 instead of 1 − 0.
    expect(round(f.get('score')).slice(0, 3)).toEqual([0, 0, -1.25]);
  });
});
