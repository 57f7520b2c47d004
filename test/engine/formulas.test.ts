import { describe, expect, it } from 'vitest';
import type { GeneratorDef } from '../../src/config/schema.ts';
import { Frame } from '../../src/core/frame.ts';
import { runGeneratorSet } from '../../src/core/generators/index.ts';
import { runKernel } from '../../src/core/features/kernel.ts';
import { RollingApply, RollingFirstMax, halfWindow } from '../../src/core/features/rollingKernels.ts';
import { firstLocationOfMaximum } from '../../src/core/features/windowStats.ts';
import { realMinutes, sampleConfig, talib } from './helpers.ts';

const N = NaN;
const close = (v: number[]) => v;

function expectSeries(actual: number[], expected: number[], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Number.isNaN(expected[i]!)) expect(a, `row ${i}`).toBeNaN();
    else expect(a, `row ${i}`).toBeCloseTo(expected[i]!, digits);
  });
}

/** Runs one generator on a small frame and returns the named output columns. */
async function gen(columns: Record<string, number[]>, def: GeneratorDef): Promise<Frame> {
  const n = Object.values(columns)[0]!.length;
  const f = new Frame(Array.from({ length: n }, (_, i) => i * 60_000));
  for (const [k, v] of Object.entries(columns)) f.set(k, v);
  await runGeneratorSet(f, def, sampleConfig('config-sample-1min.jsonc'));
  return f;
}
const col = (f: Frame, name: string) => Array.from(f.get(name));

describe('TA-Lib functions on hand-computed series', () => {
  it('SMA, EMA (seeded with the first mean), WMA, TRIMA', () => {
    expectSeries(talib('SMA', [close([1, 2, 3, 4, 5, 6])], { timeperiod: 3 }), [N, N, 2, 3, 4, 5]);
    expectSeries(talib('EMA', [[1, 2, 3, 4, 5]], { timeperiod: 3 }), [N, N, 2, 3, 4]);
    expectSeries(talib('WMA', [[1, 2, 3, 4]], { timeperiod: 3 }), [N, N, 14 / 6, 20 / 6]);
    expectSeries(talib('TRIMA', [[1, 2, 3, 4, 10]], { timeperiod: 4 }), [N, N, N, 15 / 6, 26 / 6]);
  });

  it('DEMA and TEMA chain EMAs with their own seeds', () => {
    // EMA(2): k = 2/3. e1 = [-, 1.5, 19/6, 115/18]; e2 seeded with mean(1.5, 19/6) = 7/3.
    const e1 = [N, 1.5, 19 / 6, 19 / 6 + (2 / 3) * (8 - 19 / 6)];
    const e2 = [N, N, 7 / 3, 7 / 3 + (2 / 3) * (e1[3]! - 7 / 3)];
    expectSeries(talib('DEMA', [[1, 2, 4, 8]], { timeperiod: 2 }), [N, N, 2 * e1[2]! - e2[2]!, 2 * e1[3]! - e2[3]!]);
    const e3 = [N, N, N, (e2[2]! + e2[3]!) / 2];
    expectSeries(talib('TEMA', [[1, 2, 4, 8]], { timeperiod: 2 }), [N, N, N, 3 * e1[3]! - 3 * e2[3]! + e3[3]!]);
  });

  it('STDDEV and VAR are population statistics; a flat window gives 0', () => {
    expectSeries(talib('STDDEV', [[2, 4, 4, 4, 5, 5, 7, 9]], { timeperiod: 8 }), [N, N, N, N, N, N, N, 2]);
    expectSeries(talib('VAR', [[2, 4, 4, 4, 5, 5, 7, 9]], { timeperiod: 8 }), [N, N, N, N, N, N, N, 4]);
    expectSeries(talib('STDDEV', [[85000.1, 85000.1, 85000.1, 85000.1]], { timeperiod: 3 }), [N, N, 0, 0]);
    expectSeries(talib('STDDEV', [[1, 2, 3]], { timeperiod: 3, nbdev: 2 }), [N, N, 2 * Math.sqrt(2 / 3)]);
  });

  it('the LINEARREG family on y = 1, 3, 2, 5, 4 (slope 0.8, fit 1.4 at the oldest row)', () => {
    const y = [[1, 3, 2, 5, 4]];
    expectSeries(talib('LINEARREG_SLOPE', y, { timeperiod: 5 }), [N, N, N, N, 0.8]);
    expectSeries(talib('LINEARREG_INTERCEPT', y, { timeperiod: 5 }), [N, N, N, N, 1.4]);
    expectSeries(talib('LINEARREG', y, { timeperiod: 5 }), [N, N, N, N, 4.6]);
    expectSeries(talib('TSF', y, { timeperiod: 5 }), [N, N, N, N, 5.4]);
    expectSeries(talib('LINEARREG_ANGLE', y, { timeperiod: 5 }), [N, N, N, N, 38.659808254090095]);
  });

  it('MIN, MAX, SUM, MOM, ROC, ROCP', () => {
    const x = [[3, 1, 4, 1, 5]];
    expectSeries(talib('MIN', x, { timeperiod: 3 }), [N, N, 1, 1, 1]);
    expectSeries(talib('MAX', x, { timeperiod: 3 }), [N, N, 4, 4, 5]);
    expectSeries(talib('SUM', x, { timeperiod: 3 }), [N, N, 8, 6, 10]);
    expectSeries(talib('MOM', [[10, 11, 12]], { timeperiod: 2 }), [N, N, 2]);
    expectSeries(talib('ROC', [[10, 11, 12]], { timeperiod: 2 }), [N, N, 20]);
    expectSeries(talib('ROCP', [[10, 11, 12]], { timeperiod: 2 }), [N, N, 0.2]);
  });

  it("RSI with Wilder's smoothing", () => {
    // Changes +1, −1, +1, +1: first gain/loss means 0.5/0.5, then (0.5·1 + 1)/2 …
    expectSeries(talib('RSI', [[1, 2, 1, 2, 3]], { timeperiod: 2 }), [N, N, 50, 75, 87.5]);
  });

  it('MACD: all three outputs start at row slow−1 + signal−1', () => {
    const x = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 3) * 5 + i / 10);
    for (const o of [0, 1, 2]) {
      const m = talib('MACD', [x], {}, o);
      expect(m.findIndex((v) => !Number.isNaN(v))).toBe(33);
    }
    const [macd, sig, hist] = [0, 1, 2].map((o) => talib('MACD', [x], {}, o));
    expect(hist[50]).toBeCloseTo(macd![50]! - sig![50]!, 12);
  });

  it('TRANGE, ATR (mean seed then Wilder), NATR', () => {
    const h = [10, 12, 11, 13];
    const l = [8, 9, 9, 10];
    const c = [9, 11, 10, 12];
    expectSeries(talib('TRANGE', [h, l, c]), [N, 3, 2, 3]);
    expectSeries(talib('ATR', [h, l, c], { timeperiod: 2 }), [N, N, 2.5, 2.75]);
    expectSeries(talib('NATR', [h, l, c], { timeperiod: 2 }), [N, N, 25, (2.75 / 12) * 100]);
  });

  it('AROON takes the latest of equal extremes; OBV and AD', () => {
    expectSeries(talib('AROON', [[1, 3, 2, 5, 4], [1, 1, 1, 0, 2]], { timeperiod: 2 }, 1), [N, N, 50, 100, 50]);
    expectSeries(talib('AROON', [[1, 3, 2, 5, 4], [1, 1, 1, 0, 2]], { timeperiod: 2 }, 0), [N, N, 100, 100, 50]);
    expectSeries(talib('OBV', [[10, 11, 11, 9], [5, 6, 7, 8]]), [5, 11, 11, 3]);
    expectSeries(talib('AD', [[10, 10], [8, 8], [10, 9], [4, 2]]), [4, 4]);
  });

  it('BBANDS, CORREL, BETA (of returns), ROCR, ROCR100', () => {
    expectSeries(talib('BBANDS', [[1, 2, 3]], { timeperiod: 3 }, 0), [N, N, 3.632993161855452]);
    expectSeries(talib('BBANDS', [[1, 2, 3]], { timeperiod: 3 }, 1), [N, N, 2]);
    expectSeries(talib('BBANDS', [[1, 2, 3]], { timeperiod: 3, nbdevdn: 1 }, 2), [N, N, 2 - Math.sqrt(2 / 3)]);
    expectSeries(talib('CORREL', [[1, 2, 3, 4], [2, 4, 6, 9]], { timeperiod: 4 }), [N, N, N, 0.9943767126843689]);
    // Returns of input 1 are twice those of input 0 over the window: beta 2.
    expectSeries(talib('BETA', [[10, 11, 12.1, 12.1, 13.31], [10, 12, 14.4, 14.4, 17.28]], { timeperiod: 3 }), [N, N, N, 2, 2], 9);
    expectSeries(talib('ROCR', [[10, 11, 12]], { timeperiod: 2 }), [N, N, 1.2]);
    expectSeries(talib('ROCR100', [[10, 11, 12]], { timeperiod: 2 }), [N, N, 120]);
  });

  it('WILLR, CCI, MFI', () => {
    expectSeries(talib('WILLR', [[3, 4, 5], [1, 2, 3], [2, 3, 4]], { timeperiod: 3 }), [N, N, -25]);
    expectSeries(talib('CCI', [[1, 2, 3], [1, 2, 3], [1, 2, 3]], { timeperiod: 3 }), [N, N, 100]);
    const tp = [1, 2, 1, 3];
    expectSeries(talib('MFI', [tp, tp, tp, [1, 1, 1, 1]], { timeperiod: 2 }), [N, N, 200 / 3, 75]);
    // Less than 1 of money flow in the window reads 0.
    expectSeries(talib('MFI', [tp, tp, tp, [0.1, 0.1, 0.1, 0.1]], { timeperiod: 2 }), [N, N, 0, 0]);
  });

  it('STOCH: fast %K, then SMA smoothing for slow %K and %D', () => {
    const h = [3, 4, 5, 6, 7, 8, 9];
    const l = [1, 2, 3, 4, 5, 6, 7];
    const c = [2, 4, 4, 6, 5, 8, 9];
    const p = { fastk_period: 3, slowk_period: 2, slowd_period: 2 };
    expectSeries(talib('STOCH', [h, l, c], p, 0), [N, N, N, N, 75, 75, 100]);
    expectSeries(talib('STOCH', [h, l, c], p, 1), [N, N, N, N, 81.25, 75, 87.5]);
  });

  it('PLUS_DI, MINUS_DI, DX (Wilder sums from row `period`); AROONOSC', () => {
    const h = [10, 11, 12];
    const l = [9, 10, 11];
    const c = [9.5, 10.5, 11.5];
    expectSeries(talib('PLUS_DI', [h, l, c], { timeperiod: 2 }), [N, N, 200 / 3]);
    expectSeries(talib('MINUS_DI', [h, l, c], { timeperiod: 2 }), [N, N, 0]);
    expectSeries(talib('DX', [h, l, c], { timeperiod: 2 }), [N, N, 100]);
    // +DM: the sum of the first period−1 moves, then Wilder's decay: 1; 1 − 1/2 + 1 = 1.5.
    expectSeries(talib('PLUS_DM', [h, l], { timeperiod: 2 }), [N, 1, 1.5]);
    expectSeries(talib('MINUS_DM', [h, l], { timeperiod: 2 }), [N, 0, 0]);
    expectSeries(talib('AROONOSC', [[1, 3, 2, 5, 4], [1, 1, 1, 0, 2]], { timeperiod: 2 }), [N, N, -50, 0, 0]);
  });

  it('price transforms, BOP, MIDPOINT, MIDPRICE', () => {
    const [o, h, l, c] = [[1, 2], [4, 6], [0, 2], [3, 2]];
    expectSeries(talib('MEDPRICE', [h, l]), [2, 4]);
    expectSeries(talib('TYPPRICE', [h, l, c]), [7 / 3, 10 / 3]);
    expectSeries(talib('AVGPRICE', [o, h, l, c]), [2, 3]);
    expectSeries(talib('WCLPRICE', [h, l, c]), [2.5, 3]);
    expectSeries(talib('BOP', [o, h, l, c]), [0.5, 0]);
    expectSeries(talib('BOP', [[1], [2], [2], [2]]), [0]);
    expectSeries(talib('MIDPOINT', [[3, 1, 4, 1, 5]], { timeperiod: 3 }), [N, N, 2.5, 2.5, 3]);
    expectSeries(talib('MIDPRICE', [[3, 5, 4], [1, 2, 0]], { timeperiod: 2 }), [N, 3, 2.5]);
  });

  it('APO and PPO (simple averages), TRIX (rate of change of a triple EMA)', () => {
    const x = [[1, 2, 3, 4, 6]];
    // fast SMA(2), slow SMA(3): rows 2..4 → 2.5−2, 3.5−3, 5−13/3.
    expectSeries(talib('APO', x, { fastperiod: 2, slowperiod: 3 }), [N, N, 0.5, 0.5, 5 - 13 / 3]);
    expectSeries(talib('PPO', x, { fastperiod: 3, slowperiod: 2 }), [N, N, 25, (0.5 / 3) * 100, ((5 - 13 / 3) / (13 / 3)) * 100]);
    // EMA(1) is the series itself, so TRIX(1) is the one-row rate of change.
    expectSeries(talib('TRIX', [[10, 11, 12.1]], { timeperiod: 1 }), [N, 10, 10]);
    expect(talib('TRIX', [Array.from({ length: 20 }, (_, i) => i + 1)], { timeperiod: 3 }).findIndex((v) => !Number.isNaN(v))).toBe(7);
  });

  it('leading missing values are skipped (the lookback counts from the first value)', () => {
    expectSeries(talib('SMA', [[N, N, 1, 2, 3]], { timeperiod: 2 }), [N, N, N, 1.5, 2.5]);
  });
});

describe('talib generator rules', () => {
  it('window 1 is the input itself for any one-input function; names follow the original', async () => {
    const f = await gen({ close: [1, 2, 4, 8] }, { generator: 'talib', config: { columns: ['close'], functions: ['SMA', 'STDDEV'], windows: [1, 2] } });
    expect(f.columnNames()).toEqual(['close', 'close_SMA_1', 'close_SMA_2', 'close_STDDEV_1', 'close_STDDEV_2']);
    expect(col(f, 'close_SMA_1')).toEqual([1, 2, 4, 8]);
    expect(col(f, 'close_STDDEV_1')).toEqual([1, 2, 4, 8]);
    const g = await gen({ close: [1, 2, 4, 8] }, { generator: 'talib', config: { columns: 'close', functions: 'SMA', windows: [2, 3], names: 'x' } });
    expect(g.columnNames().slice(1)).toEqual(['close_SMA_x_2', 'close_SMA_x_3']);
    const h = await gen({ close: [1, 2, 4, 8] }, { generator: 'talib', config: { columns: 'close', functions: 'SMA', windows: [2, 3], names: ['fast', 'slow'] } });
    expect(h.columnNames().slice(1)).toEqual(['fast', 'slow']);
    const k = await gen({ close: [1, 2, 4, 8], volume: [1, 1, 1, 1] }, { generator: 'talib', config: { columns: ['close', 'volume'], functions: 'OBV' } });
    expect(k.columnNames().slice(2)).toEqual(['close_volume_OBV']);
  });

  it('gaps take the previous value by default, or the straight line with interpolate: linear', async () => {
    const f = await gen({ close: [N, 1, N, 3, N] }, { generator: 'talib', config: { columns: 'close', functions: 'SMA', windows: [1, 2] } });
    expectSeries(col(f, 'close_SMA_1'), [N, 1, 1, 3, 3]);
    expectSeries(col(f, 'close_SMA_2'), [N, N, 1, 2, 3]);
    const g = await gen({ close: [N, 1, N, 3, N] }, { generator: 'talib', config: { columns: 'close', functions: 'SMA', windows: [1], interpolate: 'linear' } });
    expectSeries(col(g, 'close_SMA_1'), [N, 1, 2, 3, 3]);
  });

  it('rel_base / rel_func / percentage / log (rel_base "first" uses the real first output)', async () => {
    const x = { close: [1, 2, 3, 4, 5, 6] };
    const cfg = (parameters: Record<string, unknown>) => ({ generator: 'talib', config: { columns: 'close', functions: 'SMA', windows: [1, 2, 3], parameters } });
    const raw = { 1: [1, 2, 3, 4, 5, 6], 2: [N, 1.5, 2.5, 3.5, 4.5, 5.5], 3: [N, N, 2, 3, 4, 5] };
    const next = await gen(x, cfg({ rel_base: 'next', rel_func: 'diff' }));
    expectSeries(col(next, 'close_SMA_1'), raw[1].map((v, i) => v - raw[2][i]!));
    expectSeries(col(next, 'close_SMA_3'), raw[3]);
    const first = await gen(x, cfg({ rel_base: 'first', rel_func: 'rel', percentage: true }));
    expectSeries(col(first, 'close_SMA_1'), raw[1].map((v) => v * 100));
    expectSeries(col(first, 'close_SMA_3'), raw[3].map((v, i) => (100 * v) / raw[1][i]!));
    const last = await gen(x, cfg({ rel_base: 'last', rel_func: 'rel_diff', log: true }));
    expectSeries(col(last, 'close_SMA_2'), raw[2].map((v, i) => Math.log((v - raw[3][i]!) / raw[3][i]!)));
    const prev = await gen(x, cfg({ rel_base: 'prev', rel_func: 'diff' }));
    expectSeries(col(prev, 'close_SMA_3'), raw[3].map((v, i) => v - raw[2][i]!));
  });

  it('column_prefix selects and strips, feature_prefix renames, a re-run overwrites', async () => {
    const f = new Frame([0, 1, 2]);
    f.set('eth_close', [1, 2, 3]).set('close', [10, 20, 30]);
    const def: GeneratorDef = { generator: 'talib', column_prefix: 'eth', feature_prefix: 'eth', config: { columns: 'close', functions: 'SMA', windows: [2] } };
    const cfg = sampleConfig('config-sample-1min.jsonc');
    expect(await runGeneratorSet(f, def, cfg)).toEqual(['eth_close_SMA_2']);
    expectSeries(col(f, 'eth_close_SMA_2'), [N, 1.5, 2.5]);
    f.get('eth_close')[2] = 5;
    await runGeneratorSet(f, def, cfg);
    expect(f.columnNames()).toEqual(['eth_close', 'close', 'eth_close_SMA_2']);
    expectSeries(col(f, 'eth_close_SMA_2'), [N, 1.5, 3.5]);
  });
});

describe('itbstats on hand-computed windows (min_periods = max(1, w // 2))', () => {
  const stats = async (x: number[], functions: string[], windows: number[], parameters?: Record<string, unknown>) =>
    gen({ close: x }, { generator: 'itbstats', config: { columns: 'close', functions, windows, parameters } });

  it('mean, std (ddof 0), slope', async () => {
    const f = await stats([1, 2, 3, 4, 5], ['mean', 'std', 'slope'], [4]);
    expectSeries(col(f, 'close_mean_4'), [N, 1.5, 2, 2.5, 3.5]);
    expectSeries(col(f, 'close_std_4'), [N, 0.5, Math.sqrt(2 / 3), Math.sqrt(1.25), Math.sqrt(1.25)]);
    expectSeries(col(f, 'close_slope_4'), [N, 1, 1, 1, 1]);
    const g = await stats([1, 2, 4], ['slope'], [3]);
    expectSeries(col(g, 'close_slope_3'), [N, 1, 1.5]);
  });

  it('with interpolate "none", gaps inside a window are skipped as pandas skips them', async () => {
    const f = await gen({ close: [1, N, 3, 5, N, 9] }, { generator: 'itbstats', config: { columns: 'close', functions: ['mean', 'std', 'slope'], windows: [3], interpolate: 'none' } });
    expectSeries(col(f, 'close_mean_3'), [1, 1, 2, 4, 4, 7]);
    expectSeries(col(f, 'close_std_3'), [0, 0, 1, 1, 1, 2]);
    // Positions within the window: [1, _, 3] → slope 1 per row; [3, 5, _] → 2; [5, _, 9] → 2.
    expectSeries(col(f, 'close_slope_3'), [N, N, 1, 2, 2, 2]);
  });

  it('area ratio: −1 at a local high, +1 at a local low, NaN when flat', async () => {
    const f = await stats([1, 2, 3, 2, 1, 1, 1], ['area'], [3]);
    expectSeries(col(f, 'close_area_3'), [N, -1, -1, 1, 1, 1, N]);
  });

  it('lsbm (strictly below the mean) and fmax (first maximum)', async () => {
    const f = await stats([1, 2, 1, 1, 5], ['lsbm', 'fmax'], [5]);
    expectSeries(col(f, 'close_lsbm_5'), [N, 1, 1, 2, 2]);
    expectSeries(col(f, 'close_fmax_5'), [N, 0.5, 1 / 3, 0.25, 0.8]);
    const g = await stats([1, 5, 5, 2], ['fmax'], [4]);
    expect(col(g, 'close_fmax_4')[3]).toBe(0.25);
  });

  it('the O(1) fmax equals the direct window scan on real prices with gaps and ties', () => {
    const x = realMinutes().tail(5000).get('close').slice();
    for (let i = 0; i < 7; i++) x[i] = NaN;
    for (let i = 2000; i < 2003; i++) x[i] = NaN;
    x[3000] = NaN;
    for (const w of [3, 5, 60]) {
      const fast = runKernel(new RollingFirstMax(w, halfWindow(w)), [x]);
      const direct = runKernel(new RollingApply(w, halfWindow(w), firstLocationOfMaximum), [x]);
      expect(Array.from(fast)).toEqual(Array.from(direct));
    }
  });

  it('skew and kurtosis as scipy (bias option) and pandas compute them', async () => {
    const x = [1, 2, 3, 10];
    const f = await stats(x, ['scipy_skew', 'pandas_skew', 'scipy_kurtosis', 'pandas_kurtosis'], [4]);
    expect(col(f, 'close_scipy_skew_4')[3]).toBeCloseTo(1.763632614803888, 12);
    expect(col(f, 'close_pandas_skew_4')[3]).toBeCloseTo(1.763632614803888, 12);
    expect(col(f, 'close_scipy_kurtosis_4')[3]).toBeCloseTo(3.227999999999998, 12);
    expect(col(f, 'close_pandas_kurtosis_4')[3]).toBeCloseTo(3.227999999999998, 12);
    expect(col(f, 'close_pandas_kurtosis_4')[2]).toBeNaN();
    const b = await stats(x, ['scipy_skew', 'scipy_kurtosis'], [4], { bias: true });
    expect(col(b, 'close_scipy_skew_4')[3]).toBeCloseTo(1.0182337649086284, 12);
    expect(col(b, 'close_scipy_kurtosis_4')[3]).toBeCloseTo(-0.7696000000000001, 12);
    const flat = await stats([2, 2, 2, 2], ['pandas_skew', 'scipy_skew'], [4]);
    expect(col(flat, 'close_pandas_skew_4')[3]).toBe(0);
    expect(col(flat, 'close_scipy_skew_4')[3]).toBeNaN();
  });
});
