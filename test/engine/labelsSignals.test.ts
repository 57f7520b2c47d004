import { describe, expect, it } from 'vitest';
import type { GeneratorDef } from '../../src/config/schema.ts';
import { Frame } from '../../src/core/frame.ts';
import { computeLabels, computeSignals, runGeneratorSet } from '../../src/core/generators/index.ts';
import { firstCrossing } from '../../src/core/labels/crossing.ts';
import { highLow2Label } from '../../src/core/labels/highlow2.ts';
import { topBot2Label } from '../../src/core/labels/topbot2.ts';
import { realMinutes, sampleConfig } from './helpers.ts';

const N = NaN;
const f64 = (v: number[]) => Float64Array.from(v);
const arr = (v: Float64Array) => Array.from(v);

describe('highlow2 labels', () => {
  const ref = f64([100, 100, 100, 100, 100, 100]);
  const opts = { fn: 'high' as const, threshold: 2, tolerance: 0.5, horizon: 2 };

  it('target reached within the horizon and before the stop → True; the last horizon rows are False', () => {
    const high = f64([100, 100, 103, 100, 100, 100]);
    const low = f64([100, 100, 100, 100, 100, 100]);
    expect(arr(highLow2Label(ref, high, low, opts))).toEqual([1, 1, 0, 0, 0, 0]);
  });

  it('comparisons are strict: exactly +2% is not a crossing, exactly −1% is not a stop', () => {
    expect(arr(highLow2Label(ref, f64([100, 102, 100, 100, 100, 100]), f64([100, 100, 100, 100, 100, 100]), opts))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(arr(highLow2Label(ref, f64([100, 99, 103, 100, 100, 100]), f64([100, 99, 99, 100, 100, 100]), opts))).toEqual([1, 1, 0, 0, 0, 0]);
  });

  it('the stop first → False; both on the same row (a tie) → True', () => {
    const stopFirst = highLow2Label(ref, f64([100, 100, 103, 100, 100, 100]), f64([100, 98, 100, 100, 100, 100]), opts);
    expect(arr(stopFirst)).toEqual([0, 1, 0, 0, 0, 0]);
    const tie = highLow2Label(ref, f64([100, 103, 100, 100, 100, 100]), f64([100, 98, 100, 100, 100, 100]), opts);
    expect(arr(tie)).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('low labels mirror high labels', () => {
    const low = f64([100, 100, 97, 100, 100, 100]);
    const high = f64([100, 100, 100, 100, 100, 100]);
    expect(arr(highLow2Label(ref, high, low, { ...opts, fn: 'low' }))).toEqual([1, 1, 0, 0, 0, 0]);
    expect(arr(highLow2Label(ref, f64([100, 101.5, 100, 100, 100, 100]), low, { ...opts, fn: 'low' }))).toEqual([0, 1, 0, 0, 0, 0]);
  });

  it('first crossing offsets (0 = next row), NaN without a crossing or a full horizon; a gap never crosses', () => {
    expect(arr(firstCrossing(f64([10, 10, 10, 10, 10]), f64([10, 10, N, 12, 10]), 10, 3))).toEqual([2, 1, N, N, N]);
    expect(arr(firstCrossing(f64([10, 10, 10, 10]), f64([10, 8, 10, 10]), -10, 2))).toEqual([0, N, N, N]);
  });

  it('matches a direct scan on real data (horizon 120, ±2%)', () => {
    const f = realMinutes().tail(20_000);
    const [c, h, l] = [f.get('close'), f.get('high'), f.get('low')];
    const fast = highLow2Label(c, h, l, { fn: 'high', threshold: 2, tolerance: 0.2, horizon: 120 });
    const first = (i: number, price: Float64Array, level: number, up: boolean) => {
      for (let k = 1; k <= 120; k++) if (up ? price[i + k]! > level : price[i + k]! < level) return k;
      return Infinity;
    };
    let positives = 0;
    for (let i = 0; i < f.length; i++) {
      let expected = 0;
      if (i + 120 < f.length) {
        const a = first(i, h, c[i]! * 1.02, true);
        const b = first(i, l, c[i]! * (1 - 0.004), false);
        expected = a !== Infinity && a <= b ? 1 : 0;
      }
      positives += expected;
      if (fast[i] !== expected) expect.fail(`row ${i}: ${fast[i]} vs direct scan ${expected}`);
    }
    expect(positives).toBeGreaterThan(0);
  });

  it('through the config (label_sets of the 1min sample) the labels are boolean columns', async () => {
    const c = sampleConfig('config-sample-1min.jsonc');
    const f = realMinutes().tail(3000);
    await computeLabels(f, c);
    expect(f.kind('high_20')).toBe('bool');
    expect(f.get('low_20').every((v) => v === 0 || v === 1)).toBe(true);
  });
});

describe('highlow (legacy) and topbot2 labels', () => {
  it('highlow: future max/min relative to close against the fixed thresholds', async () => {
    const f = new Frame([0, 1, 2, 3]);
    f.set('close', [100, 100, 100, 100]).set('high', [100, 101.2, 100.3, 100]).set('low', [100, 99.9, 98, 100]);
    await runGeneratorSet(f, { generator: 'highlow', config: { horizon: 2 } }, sampleConfig('config-sample-1min.jsonc'));
    // Row 0: max high +1.2%, min low −2%.
    expect(f.get('high_10')[0]).toBe(1);
    expect(f.get('high_15')[0]).toBe(0);
    expect(f.get('high_05')[0]).toBe(0);
    expect(f.get('low_20')[0]).toBe(1);
    expect(f.get('low_25')[0]).toBe(0);
    // Row 2 has no full horizon: every label False.
    expect(f.get('high_01')[2]).toBe(0);
  });

  it('topbot2: True strictly inside the tolerance interval of a top that stands out by the level', () => {
    const x = f64([1, 2, 3, 10, 3, 2, 1]);
    expect(arr(topBot2Label(x, 'top', 0.5, 0.2))).toEqual([0, 0, 0, 1, 0, 0, 0]);
    expect(arr(topBot2Label(f64([1, 9.5, 10, 9.6, 1]), 'top', 0.5, 0.2))).toEqual([0, 1, 1, 1, 0]);
    // A top that does not stand out by the level on both sides is not labelled.
    expect(arr(topBot2Label(f64([9, 9.5, 10, 3]), 'top', 0.5, 0.2))).toEqual([0, 0, 0, 0]);
    expect(arr(topBot2Label(f64([10, 5, 1, 5, 10]), 'bot', 0.5, 1))).toEqual([0, 0, 1, 0, 0]);
  });
});

describe('signal generators', () => {
  const cfg = (signal_sets: GeneratorDef[]) => ({ ...sampleConfig('config-sample-1min.jsonc'), signal_sets });
  const frame = (cols: Record<string, number[]>) => {
    const n = Object.values(cols)[0]!.length;
    const f = new Frame(Array.from({ length: n }, (_, i) => i));
    for (const [k, v] of Object.entries(cols)) f.set(k, v);
    return f;
  };

  it('combine: difference, relative, no_combine; coefficient and constant', () => {
    const f = frame({ up: [0.6, 0.2, N], down: [0.2, 0.6, 0.1] });
    computeSignals(f, cfg([
      { generator: 'combine', config: { columns: ['up', 'down'], names: 'd', combine: 'difference', coefficient: 2, constant: 0.1 } },
      { generator: 'combine', config: { columns: ['up', 'down'], names: 'r', combine: 'relative' } },
      { generator: 'combine', config: { columns: ['up', 'down'], names: 'n' } },
    ]));
    expect(arr(f.get('d')).map((v) => +v.toFixed(12))).toEqual([0.9, -0.7, N]);
    expect(arr(f.get('r')).map((v) => +v.toFixed(12))).toEqual([0.5, -0.5, N]);
    expect(arr(f.get('n'))).toEqual([0.6, -0.6, -0.1]);
  });

  it('threshold_rule (≥ buy, ≤ sell, NaN is False) and threshold_rule2 (both scores)', () => {
    const f = frame({ s: [0.02, 0.015, 0, -0.015, N], s2: [1, -1, 0, -1, 1] });
    computeSignals(f, cfg([
      { generator: 'threshold_rule', config: { columns: 's', names: ['buy', 'sell'], parameters: { buy_signal_threshold: 0.015, sell_signal_threshold: -0.015 } } },
      { generator: 'threshold_rule2', config: { columns: ['s', 's2'], names: ['buy2', 'sell2'], parameters: { buy_signal_threshold: 0.015, buy_signal_threshold_2: 0, sell_signal_threshold: -0.015, sell_signal_threshold_2: 0 } } },
    ]));
    expect(arr(f.get('buy'))).toEqual([1, 1, 0, 0, 0]);
    expect(arr(f.get('sell'))).toEqual([0, 0, 0, 1, 0]);
    expect(arr(f.get('buy2'))).toEqual([1, 0, 0, 0, 0]);
    expect(arr(f.get('sell2'))).toEqual([0, 0, 0, 1, 0]);
    expect(f.kind('buy')).toBe('bool');
  });

  it('smoothen: row mean skipping NaN, point threshold, rolling mean (min_periods w//2), EWM (adjust=False)', () => {
    const f = frame({ a: [1, 3, N, 5, 7], b: [3, N, N, 7, 9] });
    computeSignals(f, cfg([
      { generator: 'smoothen', config: { columns: ['a', 'b'], names: 'm' } },
      { generator: 'smoothen', config: { columns: ['a', 'b'], names: 'r', window: 4 } },
      { generator: 'smoothen', config: { columns: ['a'], names: 'p', point_threshold: 4 } },
      { generator: 'smoothen', config: { columns: ['a'], names: 'e', window: 3, ewm: true } },
    ]));
    expect(arr(f.get('m'))).toEqual([2, 3, N, 6, 8]);
    expect(arr(f.get('r'))).toEqual([N, 2.5, 2.5, 11 / 3, 17 / 3]);
    expect(arr(f.get('p'))).toEqual([0, 0, 0, 1, 1]);
    // alpha = 0.5: 1; (0.5·1 + 0.5·3)/1 = 2; a gap; (0.25·2 + 0.5·5)/0.75 = 4; (0.5·4 + 0.5·7) = 5.5
    expect(arr(f.get('e'))).toEqual([1, 2, 2, 4, 5.5]);
  });
});
