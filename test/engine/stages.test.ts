import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { UserError } from '../../src/core/errors.ts';
import { Frame } from '../../src/core/frame.ts';
import { computeFeatures, runGeneratorSet } from '../../src/core/generators/index.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { run as runFeatures } from '../../src/jobs/features.ts';
import { run as runLabels } from '../../src/jobs/labels.ts';
import { silentProgress } from '../../src/jobs/progress.ts';
import { run as runSignals } from '../../src/jobs/signals.ts';
import { log } from '../../src/log.ts';
import { readCsv, writeCsv } from '../../src/storage/csv.ts';
import { readTable, writeTable } from '../../src/storage/table.ts';
import { FIXTURES, realMinutes, sampleConfig } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-engine-'));
  dirs.push(d);
  return d;
}

function context(dataFolder: string, overrides: Record<string, unknown> = {}): JobContext {
  const raw = JSON.parse(JSON.stringify(sampleConfig('config-sample-1min.jsonc')));
  const { config } = buildConfig({ ...raw, data_folder: dataFolder, train: true, train_length: 1000, ...overrides }, { env: {} });
  return { config, configFile: path.join(FIXTURES, 'config-sample-1min.jsonc'), args: [], log: log(), progress: silentProgress };
}

describe('stages: itb features → labels → signals on the original file layout', () => {
  it('writes features.csv, matrix.csv, signals.csv and appends the column lists', async () => {
    const dir = tempDir();
    const data = realMinutes().tail(3000);
    fs.mkdirSync(path.join(dir, 'BTCUSDT'));
    writeCsv(path.join(dir, 'BTCUSDT/data.csv'), data);
    const ctx = context(dir);

    await runFeatures(ctx);
    const features = readCsv(path.join(dir, 'BTCUSDT/features.csv'));
    // The row window: train_length + features_horizon tail rows.
    expect(features.length).toBe(1000 + 120);
    expect(features.time[features.length - 1]).toBe(data.time[data.length - 1]);
    expect(features.columnNames()).toContain('close_LINEARREG_SLOPE_60');
    expect(features.columnNames()).toContain('close_add');
    // Full precision: the file holds exactly the computed values.
    const expected = await computeFeatures(data.tail(1120), ctx.config);
    expect(Array.from(features.get('close_STDDEV_15'))).toEqual(Array.from(expected.get('close_STDDEV_15')));
    const txt = fs.readFileSync(path.join(dir, 'BTCUSDT/features.txt'), 'utf8');
    expect(txt).toMatch(/^"close_SMA_1", "close_SMA_5", .*"close_add"\n\n$/);

    await runLabels(ctx);
    const matrix = readCsv(path.join(dir, 'BTCUSDT/matrix.csv'));
    expect(matrix.columnNames()).toEqual([...features.columnNames(), 'high_20', 'low_20']);
    expect(fs.readFileSync(path.join(dir, 'BTCUSDT/matrix.txt'), 'utf8')).toBe('"high_20", "low_20"\n\n');

    // predictions.csv as `itb predict` writes it: prices, labels, score columns.
    const preds = new Frame(matrix.time);
    for (const c of ['open', 'high', 'low', 'close', 'volume', 'high_20', 'low_20']) preds.set(c, matrix.get(c), matrix.kind(c));
    const close = matrix.get('close');
    preds.set('high_20_lc', Array.from(close, (c, i) => 0.5 + Math.sin(i / 7) * 0.05 + c * 0));
    preds.set('low_20_lc', Array.from(close, (_, i) => 0.5 - Math.sin(i / 7) * 0.05));
    writeCsv(path.join(dir, 'BTCUSDT/predictions.csv'), preds);
    await runSignals(ctx);
    const signals = readCsv(path.join(dir, 'BTCUSDT/signals.csv'));
    expect(signals.columnNames()).toEqual(['open', 'high', 'low', 'close', 'high_20', 'low_20', 'trade_score', 'buy_signal_column', 'sell_signal_column']);
    expect(signals.get('buy_signal_column').some((v) => v === 1)).toBe(true);
    expect(signals.get('sell_signal_column').some((v) => v === 1)).toBe(true);
    const header = fs.readFileSync(path.join(dir, 'BTCUSDT/signals.csv'), 'utf8').split('\n')[1]!;
    expect(header).toMatch(/,(True|False),(True|False)$/);
  });

  it('with .parquet stage file names (as the original chooses the format) the tables are the same as with .csv', async () => {
    const data = realMinutes().tail(1500);
    const names = { merge_file_name: 'data.parquet', feature_file_name: 'features.parquet', matrix_file_name: 'matrix.parquet', predict_file_name: 'predictions.parquet', signal_file_name: 'signals.parquet' };
    const csvDir = tempDir();
    const pqDir = tempDir();
    writeCsv(path.join(csvDir, 'BTCUSDT/data.csv'), data);
    writeTable(path.join(pqDir, 'BTCUSDT/data.parquet'), data);
    const csv = context(csvDir);
    const pq = context(pqDir, names);
    for (const run of [runFeatures, runLabels]) {
      await run(csv);
      await run(pq);
    }
    const a = readCsv(path.join(csvDir, 'BTCUSDT/matrix.csv'));
    const b = await readTable(path.join(pqDir, 'BTCUSDT/matrix.parquet'));
    expect(b.columnNames()).toEqual(a.columnNames());
    expect(Array.from(b.time)).toEqual(Array.from(a.time));
    for (const c of a.columnNames()) expect(Array.from(b.get(c)), c).toEqual(Array.from(a.get(c)));
    // the column lists go to features.txt and matrix.txt, as the original names them
    expect(fs.readFileSync(path.join(pqDir, 'BTCUSDT/features.txt'), 'utf8')).toBe(fs.readFileSync(path.join(csvDir, 'BTCUSDT/features.txt'), 'utf8'));
    expect(fs.existsSync(path.join(pqDir, 'BTCUSDT/matrix.txt'))).toBe(true);
  });

  it('a missing input names the command that makes it', async () => {
    const ctx = context(tempDir());
    await expect(runFeatures(ctx)).rejects.toThrow(UserError);
    await expect(runFeatures(ctx)).rejects.toThrow(/data\.csv is not in .*BTCUSDT; create it with `itb merge -c CONFIG` first/);
    await expect(runSignals(ctx)).rejects.toThrow(/predictions\.csv is not in .*; create it with `itb predict -c CONFIG` first/);
  });

  it('±inf from a division by zero becomes NaN in the output', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'BTCUSDT'));
    const f = new Frame(Array.from({ length: 5 }, (_, i) => i * 60_000));
    f.set('close', [-1, 1, 5, 2, 3]);
    writeCsv(path.join(dir, 'BTCUSDT/data.csv'), f);
    const ctx = context(dir, {
      train_length: 0,
      feature_sets: [{ generator: 'talib', config: { columns: 'close', functions: ['SMA'], windows: [1, 2], parameters: { rel_base: 'next', rel_func: 'rel' } } }],
    });
    await runFeatures(ctx);
    const out = readCsv(path.join(dir, 'BTCUSDT/features.csv'));
    // Row 1: close / SMA_2 = 1 / 0 = +inf, stored as missing; row 2: 5 / 3.
    const rel = Array.from(out.get('close_SMA_1'));
    expect(rel[1]).toBeNaN();
    expect(rel[2]).toBeCloseTo(5 / 3, 12);
  });
});

describe('custom generators', () => {
  it("the sample's common.my_feature_example:my_feature_example resolves to examples/common/my_feature_example.ts", async () => {
    const f = realMinutes().tail(10);
    const def = sampleConfig('config-sample-1min.jsonc').feature_sets[3]!;
    expect(await runGeneratorSet(f, def, sampleConfig('config-sample-1min.jsonc'))).toEqual(['close_add']);
    expect(f.get('close_add')[9]).toBe(f.get('close')[9]! + 2);
  });

  it('"./file.ts:fn" next to the config, returning [frame, names]; feature_prefix applies', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'spread.ts'),
      `export function spread(frame: any, config: any) {
         const h = frame.get('high'), l = frame.get('low');
         const out = new Float64Array(h.length);
         for (let i = 0; i < h.length; i++) out[i] = (h[i] - l[i]) * config.scale;
         frame.set('spread', out);
         return [frame, ['spread']];
       }\n`,
    );
    const f = new Frame([0, 1]);
    f.set('high', [3, 5]).set('low', [1, 2]);
    const names = await runGeneratorSet(f, { generator: './spread.ts:spread', feature_prefix: 'x', config: { scale: 10 } }, sampleConfig('config-sample-1min.jsonc'), { configDir: dir });
    expect(names).toEqual(['x_spread']);
    expect(Array.from(f.get('x_spread'))).toEqual([20, 30]);
  });

  it('a custom generator that names a column it did not add is a clear error', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'bad.ts'), `export function bad() { return ['nothing']; }\n`);
    const f = new Frame([0]);
    f.set('close', [1]);
    await expect(runGeneratorSet(f, { generator: 'bad.ts:bad', config: {} }, sampleConfig('config-sample-1min.jsonc'), { configDir: dir, where: 'feature_sets[5]' })).rejects.toThrow(
      'feature_sets[5]: the custom generator "bad.ts:bad" returned column "nothing" but did not add it',
    );
  });
});
