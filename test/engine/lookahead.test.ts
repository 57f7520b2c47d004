import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config, GeneratorDef } from '../../src/config/schema.ts';
import type { Frame } from '../../src/core/frame.ts';
import { computeFeatures } from '../../src/core/generators/index.ts';
import { realMinutes, sampleConfig } from './helpers.ts';
import { itbstatsAll, legacySets, relativeSets, talibAll } from './sets.ts';

/** A deterministic pseudo-random sequence (tests must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The frame with every row after t changed: prices and volumes scaled at random, some rows blanked (gaps). */
function disturbAfter(f: Frame, t: number, rand: () => number): Frame {
  const g = f.slice(0);
  for (const c of ['open', 'high', 'low', 'close', 'volume', 'trades', 'tb_base_av']) {
    const col = g.get(c);
    for (let i = t + 1; i < col.length; i++) col[i] = rand() < 0.05 ? NaN : col[i]! * (0.9 + 0.2 * rand());
  }
  return g;
}

async function expectNoLookAhead(data: Frame, config: Config, defs: GeneratorDef[], cuts: number[]): Promise<void> {
  const cfg = { ...config, feature_sets: defs };
  const base = await computeFeatures(data.slice(0), cfg);
  const names = base.columnNames().filter((c) => !data.has(c));
  expect(names.length).toBeGreaterThan(0);
  const rand = rng(7);
  for (const t of cuts) {
    const other = await computeFeatures(disturbAfter(data, t, rand), cfg);
    for (const n of names) {
      const a = base.get(n);
      const b = other.get(n);
      for (let i = 0; i <= t; i++) {
        if (!(a[i] === b[i] || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!)))) {
          expect.fail(`${n} at row ${i} changed from ${a[i]} to ${b[i]} when rows after ${t} changed`);
        }
      }
    }
  }
}

describe('no look-ahead: changing rows after t never changes a feature at a row ≤ t (real data)', () => {
  const data = realMinutes().tail(5000);
  const cuts = [61, 1234, 4321];

  it('the 1min sample feature sets', async () => {
    const c = sampleConfig('config-sample-1min.jsonc');
    await expectNoLookAhead(data, c, c.feature_sets, cuts);
  });

  it('the signals-1min sample feature sets (chained: the range column feeds its day-long means)', async () => {
    const c = loadConfig('src/config/samples/signals-1min.jsonc', {}).config;
    await expectNoLookAhead(data, c, c.feature_sets, [1500, 3000, 4321]);
  });

  it('every TA-Lib function', async () => {
    await expectNoLookAhead(data, sampleConfig('config-sample-1min.jsonc'), talibAll, cuts);
  });

  it('every itbstats function, relative post-processing, itblib and tsfresh', async () => {
    await expectNoLookAhead(data, sampleConfig('config-sample-1min.jsonc'), [...itbstatsAll, ...relativeSets, ...legacySets], cuts);
  });

  it("the original's linear interpolation does look ahead inside gaps (why it is not the default)", async () => {
    const d = data.slice(0);
    d.get('close')[3000] = NaN;
    const defs: GeneratorDef[] = [{ generator: 'talib', config: { columns: 'close', functions: ['SMA'], windows: [1], interpolate: 'linear' } }];
    const cfg = { ...sampleConfig('config-sample-1min.jsonc'), feature_sets: defs };
    const a = await computeFeatures(d.slice(0), cfg);
    const e = d.slice(0);
    e.get('close')[3001] = e.get('close')[3001]! * 1.01;
    const b = await computeFeatures(e, cfg);
    expect(a.get('close_SMA_1')[3000]).not.toBe(b.get('close_SMA_1')[3000]);
  });
});
