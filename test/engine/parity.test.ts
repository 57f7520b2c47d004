import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config, GeneratorDef } from '../../src/config/schema.ts';
import type { Frame } from '../../src/core/frame.ts';
import { computeFeatures, createFeatureStream, createSignalStream, preloadConfigGenerators, runGeneratorSet } from '../../src/core/generators/index.ts';
import { calibrationOf } from '../../src/core/signals/calibration.ts';
import { maxRelDiff, realHours, realMinutes, sampleConfig } from './helpers.ts';
import { itbstatsAll, legacySets, relativeSets, talibAll } from './sets.ts';

const RAW = ['open', 'high', 'low', 'close', 'volume', 'trades', 'tb_base_av'];
const STREAMED = 2000;

function rawRow(f: Frame, i: number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const c of RAW) if (f.has(c)) r[c] = f.get(c)[i]!;
  return r;
}

/**
 * Batch over all rows versus a stream initialised on all but the last 2,000 rows and fed the
 * rest candle by candle: every generated column must agree (relative 1e-9).
 */
async function expectStreamEqualsBatch(data: Frame, config: Config, defs: GeneratorDef[]): Promise<string[]> {
  const cfg = { ...config, feature_sets: defs };
  await preloadConfigGenerators(cfg);
  const batch = data.slice(0);
  await computeFeatures(batch, cfg);
  const stream = createFeatureStream(cfg);
  const n = data.length;
  stream.init(data.slice(0, n - STREAMED));
  const pushed = new Map<string, Float64Array>(stream.columns.map((c) => [c, new Float64Array(STREAMED)]));
  for (let i = n - STREAMED; i < n; i++) {
    const row = stream.push(data.time[i]!, rawRow(data, i));
    for (const [c, col] of pushed) col[i - (n - STREAMED)] = row[c]!;
  }
  expect(stream.columns.length).toBeGreaterThan(0);
  for (const [c, col] of pushed) {
    const b = batch.get(c).subarray(n - STREAMED);
    const { max, at } = maxRelDiff(col, b);
    expect(max, `${c}: stream ${col[at]} vs batch ${b[at]} at streamed row ${at}`).toBeLessThanOrEqual(1e-9);
  }
  // The comparison must cover real values, not only NaN.
  const valued = [...pushed].filter(([, col]) => col.some((v) => !Number.isNaN(v)));
  expect(valued.length).toBe(pushed.size);
  return stream.columns;
}

describe('streaming equals batch on real data (last 2,000 candles pushed one by one)', () => {
  it('config-sample-1min feature sets (talib SMA / LINEARREG_SLOPE / STDDEV and the custom example)', async () => {
    const cols = await expectStreamEqualsBatch(realMinutes().tail(30_000), sampleConfig('config-sample-1min.jsonc'), sampleConfig('config-sample-1min.jsonc').feature_sets);
    expect(cols).toContain('close_STDDEV_60');
    expect(cols).toContain('close_add');
  });

  it('signals-1min feature sets (log of mean trades, a NATR column feeding an SMA, windows up to a day)', async () => {
    const c = loadConfig('src/config/samples/signals-1min.jsonc', {}).config;
    const cols = await expectStreamEqualsBatch(realMinutes().tail(12_000), c, c.feature_sets);
    expect(cols).toEqual(expect.arrayContaining([...c.train_features, 'range_1']));
  });

  it('config-sample-1h feature sets (windows up to 672) on 1h candles', async () => {
    const c = sampleConfig('config-sample-1h.jsonc');
    const cols = await expectStreamEqualsBatch(realHours(), c, c.feature_sets);
    expect(cols).toContain('close_LINEARREG_SLOPE_672');
  });

  it('config-mt5-sample-1h feature sets on 1h candles', async () => {
    const c = sampleConfig('config-mt5-sample-1h.jsonc');
    await expectStreamEqualsBatch(realHours(), c, c.feature_sets);
  });

  it('itbstats with every function', async () => {
    const cols = await expectStreamEqualsBatch(realMinutes().tail(12_000), sampleConfig('config-sample-1min.jsonc'), itbstatsAll);
    expect(cols).toContain('close_pandas_kurtosis_60');
  });

  it('every TA-Lib function', async () => {
    const cols = await expectStreamEqualsBatch(realMinutes().tail(12_000), sampleConfig('config-sample-1min.jsonc'), talibAll);
    expect(cols).toContain('close_BBANDS_20_upperband');
    expect(cols).toContain('high_low_close_volume_MFI_20');
  });

  it('relative values, percentage, log and feature_prefix', async () => {
    const cols = await expectStreamEqualsBatch(realMinutes().tail(12_000), sampleConfig('config-sample-1min.jsonc'), relativeSets);
    expect(cols).toContain('f_close_WMA_30');
  });

  it("column_prefix: a second symbol's columns", async () => {
    const data = realMinutes().tail(8000);
    const withEth = data.slice(0);
    // A second source whose columns carry the prefix (as merge writes them): the 1m close shifted by a day.
    const close = data.get('close');
    withEth.set('eth_close', Float64Array.from(close, (_, i) => close[Math.max(0, i - 1440)]! / 30));
    const defs: GeneratorDef[] = [{ generator: 'talib', column_prefix: 'eth', feature_prefix: 'eth', config: { columns: 'close', functions: ['SMA', 'STDDEV', 'RSI'], windows: [5, 30] } }];
    RAW.push('eth_close');
    try {
      const cols = await expectStreamEqualsBatch(withEth, sampleConfig('config-sample-1min.jsonc'), defs);
      expect(cols).toContain('eth_close_RSI_30');
    } finally {
      RAW.pop();
    }
  });

  it('legacy itblib and tsfresh', async () => {
    await expectStreamEqualsBatch(realMinutes().tail(12_000), sampleConfig('config-sample-1min.jsonc'), legacySets);
  });

  it('a stream started from nothing equals a batch over the same rows', async () => {
    const c = sampleConfig('config-sample-1min.jsonc');
    await preloadConfigGenerators(c);
    const data = realMinutes().tail(1500);
    const batch = data.slice(0);
    await computeFeatures(batch, c);
    const stream = createFeatureStream(c);
    for (let i = 0; i < data.length; i++) {
      const row = stream.push(data.time[i]!, rawRow(data, i));
      for (const col of stream.columns) expect(maxRelDiff([row[col]!], [batch.get(col)[i]!]).max, `${col} row ${i}`).toBeLessThanOrEqual(1e-9);
    }
    expect(stream.tail(10).length).toBe(10);
    expect(stream.frame().get('close_SMA_5')[stream.frame().length - 1]).toBe(batch.get('close_SMA_5')[data.length - 1]);
  });

  it('signal sets: smoothen (rolling and EWM), combine (raw and calibrated), threshold rules', async () => {
    const c = sampleConfig('config-sample-1min.jsonc');
    const data = realMinutes().tail(6000);
    // Score-like columns from real prices (bounded, noisy, with a few gaps).
    const close = data.get('close');
    const up = new Float64Array(data.length);
    const down = new Float64Array(data.length);
    for (let i = 1; i < data.length; i++) {
      const r = (close[i]! - close[i - 1]!) / close[i - 1]!;
      up[i] = i % 997 === 0 ? NaN : 0.5 + 100 * r;
      down[i] = 0.5 - 80 * r;
    }
    data.set('high_20_lc', up).set('low_20_lc', down);
    const signalSets: GeneratorDef[] = [
      { generator: 'smoothen', config: { columns: ['high_20_lc'], names: 'up_smooth', window: 10 } },
      { generator: 'smoothen', config: { columns: ['high_20_lc', 'low_20_lc'], names: 'mean_ewm', window: 7.5 } },
      ...c.signal_sets,
      { generator: 'combine', config: { columns: ['up_smooth', 'low_20_lc'], names: 'rel_score', combine: 'relative' } },
      { generator: 'combine', config: { columns: ['high_20_lc', 'low_20_lc'], names: 'pct_score', combine: 'difference', calibrate: 'percentile' } },
      { generator: 'combine', config: { columns: ['high_20_lc', 'low_20_lc'], names: 'base_score', combine: 'difference', calibrate: 'base_rate' } },
      { generator: 'threshold_rule2', config: { columns: ['trade_score', 'rel_score'], names: ['buy2', 'sell2'], parameters: { buy_signal_threshold: 0.01, buy_signal_threshold_2: 0.0, sell_signal_threshold: -0.01, sell_signal_threshold_2: 0.0 } } },
    ];
    const cfg = { ...c, signal_sets: signalSets };
    // Calibrations as training would store them: from the first half of the scores.
    const half = data.length >> 1;
    const calibrations = { high_20_lc: calibrationOf(up.subarray(0, half), 0.013), low_20_lc: calibrationOf(down.subarray(0, half), 0.019) };
    const calibration = (col: string) => calibrations[col as keyof typeof calibrations];
    const batch = data.slice(0);
    for (const [i, d] of signalSets.entries()) await runGeneratorSet(batch, d, cfg, { where: `signal_sets[${i}]`, calibration });
    const n = data.length;
    const stream = createSignalStream(cfg, cfg.signal_sets, { calibration });
    stream.init(data.slice(0, n - STREAMED));
    for (let i = n - STREAMED; i < n; i++) {
      const row = stream.push(data.time[i]!, { close: close[i]!, high_20_lc: up[i]!, low_20_lc: down[i]! });
      for (const col of stream.columns) expect(maxRelDiff([row[col]!], [batch.get(col)[i]!]).max, `${col} row ${i}`).toBeLessThanOrEqual(1e-9);
    }
    expect(batch.get('buy_signal_column').some((v) => v === 1)).toBe(true);
    expect(new Set(batch.get('pct_score').subarray(n - STREAMED)).size).toBeGreaterThan(STREAMED / 2);
  });
});
