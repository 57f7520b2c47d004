import { describe, expect, it } from 'vitest';
import type { GeneratorDef } from '../../src/config/schema.ts';
import { UserError } from '../../src/shared/errors.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import { computeFeatures, computeSignals } from '../../src/core/generators/index.ts';
import { preloadConfigGenerators } from '../../src/storage/userModules.ts';
import { sampleConfig } from './helpers.ts';

const rows = Array.from({ length: 30 }, (_, i) => ({ timestamp: i * 60_000, open: 100 + i, high: 101 + i, low: 99 + i, close: 100 + i, volume: 5 }));

async function failure(sets: GeneratorDef[], section: 'feature_sets' | 'signal_sets' = 'feature_sets'): Promise<string> {
  const cfg = { ...sampleConfig('config-sample-1min.jsonc'), feature_sets: [] as GeneratorDef[], signal_sets: [] as GeneratorDef[], [section]: sets };
  try {
    await preloadConfigGenerators(cfg);
    if (section === 'feature_sets') await computeFeatures(frameFromRows(rows), cfg);
    else computeSignals(frameFromRows(rows), cfg);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    return msg;
  }
  throw new Error('expected a UserError');
}

const talib = (config: Record<string, unknown>): GeneratorDef => ({ generator: 'talib', config });

describe('a bad generator config is one clear sentence naming the key', () => {
  it('unknown column', async () => {
    const m = await failure([talib({ columns: ['close'], functions: ['SMA'], windows: [5] }), talib({ columns: ['closee'], functions: ['SMA'], windows: [5] })]);
    expect(m).toMatch(/^feature_sets\[1\]\.config\.columns: column "closee" is not in the data \(columns: open, high, low, close, volume/);
  });

  it('unknown TA-Lib function lists the known ones', async () => {
    const m = await failure([talib({ columns: 'close', functions: ['SMAA'], windows: [5] })]);
    expect(m).toMatch(/^feature_sets\[0\]\.config\.functions: unknown TA-Lib function "SMAA" \(known: SMA, EMA, WMA, .*LINEARREG_SLOPE.*\)$/);
  });

  it('missing window of a statistic', async () => {
    const m = await failure([{ generator: 'itbstats', config: { columns: 'close', functions: ['mean'] } }]);
    expect(m).toBe('feature_sets[0].config.windows: is missing (expected a window size or a list of them)');
  });

  it('wrong type of a window', async () => {
    const m = await failure([talib({ columns: 'close', functions: ['SMA'], windows: [5, '10'] })]);
    expect(m).toBe('feature_sets[0].config.windows[1]: expected a whole number ≥ 1, got "10"');
  });

  it('a window too small for the function', async () => {
    const m = await failure([{ generator: 'talib', config: { columns: ['high', 'low', 'close'], functions: ['ADX'], windows: [1] } }]);
    expect(m).toBe('feature_sets[0].config.windows: ADX needs a window of at least 2, got 1');
  });

  it('wrong type of columns', async () => {
    const m = await failure([talib({ columns: 5, functions: ['SMA'], windows: [5] })]);
    expect(m).toBe('feature_sets[0].config.columns: expected a column name, got 5');
  });

  it('a function without a time period given windows', async () => {
    const m = await failure([talib({ columns: 'close', functions: ['MACD'], windows: [5] })]);
    expect(m).toMatch(/^feature_sets\[0\]\.config\.windows: MACD has no time period/);
  });

  it('unknown itbstats function', async () => {
    const m = await failure([{ generator: 'itbstats', config: { columns: 'close', functions: ['median'], windows: [5] } }]);
    expect(m).toMatch(/^feature_sets\[0\]\.config\.functions: unknown itbstats function "median" \(known: mean, std, slope/);
  });

  it('unknown generator name', async () => {
    const m = await failure([{ generator: 'talibb', config: {} }]);
    expect(m).toMatch(/^feature_sets\[0\]\.generator: unknown generator "talibb" \(built-in: talib, itbstats/);
  });

  it('a custom generator module that does not exist', async () => {
    const m = await failure([{ generator: 'nowhere.my_module:fn', config: {} }]);
    expect(m).toMatch(/^feature_sets\[0\]\.generator: "nowhere\.my_module:fn" is not a built-in generator and no module file was found for "nowhere\.my_module"/);
  });

  it('a custom generator module without that function', async () => {
    const m = await failure([{ generator: 'common.my_feature_example:no_such_fn', config: {} }]);
    expect(m).toMatch(/has no function "no_such_fn" \(it exports: my_feature_example\)$/);
  });

  it('a rel_base without rel_func', async () => {
    const m = await failure([talib({ columns: 'close', functions: ['SMA'], windows: [5, 10], parameters: { rel_base: 'next' } })]);
    expect(m).toBe('feature_sets[0].config.parameters.rel_func: is missing (expected a text value)');
  });

  it('signal generators: threshold_rule without its thresholds, combine with one column', async () => {
    expect(await failure([{ generator: 'threshold_rule', config: { columns: 'close', names: ['b', 's'], parameters: { buy_signal_threshold: 1 } } }], 'signal_sets')).toBe(
      'signal_sets[0].config.parameters.sell_signal_threshold: is missing (expected a number)',
    );
    expect(await failure([{ generator: 'combine', config: { columns: ['close'], names: 'x' } }], 'signal_sets')).toBe(
      'signal_sets[0].config.columns: expected a list of two score columns: [up, down]',
    );
  });

  it('labels: names that do not match the thresholds', async () => {
    const m = await failure([{ generator: 'highlow2', config: { columns: ['close', 'high', 'low'], function: 'high', thresholds: [1, 2], tolerance: 0.2, horizon: 10, names: ['a'] } }]);
    expect(m).toBe('feature_sets[0].config.names: expected one name per threshold (2), got 1');
  });
});
