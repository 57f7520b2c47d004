import { describe, expect, it } from 'vitest';
import { createFeatureStream } from '../../src/core/generators/index.ts';
import { sampleConfig } from './helpers.ts';

// Its own file: no other test has loaded the example module in this module graph.
describe('the bundled custom example needs no loading', () => {
  it('a stream over the original 1min sample config works without preloadConfigGenerators', () => {
    const stream = createFeatureStream(sampleConfig('config-sample-1min.jsonc'));
    const row = stream.push(0, { open: 1, high: 1, low: 1, close: 5, volume: 1 });
    expect(row.close_add).toBe(7);
    expect(row.close_SMA_1).toBe(5);
    expect(row.close_SMA_5).toBeNaN();
  });

  it('an unknown custom module on the synchronous path says how to load it', () => {
    const c = { ...sampleConfig('config-sample-1min.jsonc'), feature_sets: [{ generator: 'mine.features:f', config: {} }] };
    expect(() => createFeatureStream(c)).toThrow('feature_sets[0].generator: the custom generator "mine.features:f" is not loaded yet (await preloadConfigGenerators(config, configFile) before creating a stream)');
  });
});

describe('a stream checks the first bar like a batch run checks the table', () => {
  it('a generator input missing from the pushed bar is one sentence', () => {
    const c = { ...sampleConfig('config-sample-1min.jsonc'), feature_sets: [{ generator: 'talib', config: { columns: ['high', 'low', 'close'], functions: ['ATR'], windows: [14] } }] };
    const stream = createFeatureStream(c);
    expect(() => stream.push(0, { close: 1 })).toThrow('feature_sets[0].config.columns: column "high" is not in the pushed bar (it has: close)');
  });
});
