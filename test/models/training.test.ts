import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/shared/progress.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { algorithmRows, resolveTrainSets } from '../../src/models/trainSets.ts';
import { readmePromises } from '../readmePromises.ts';
import { syntheticFrame, testConfig } from './synthetic.ts';

/** The README's promise about a label with one class, word for word. */
const SINGLE_CLASS_PROMISE = '`itb train` refuses a classifier label with a single class in its training rows in one sentence, before fitting anything: the stored models stay as they were.';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-training-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const frame = syntheticFrame(2000, 9);

describe('training', () => {
  it('reports progress from the worker (epochs, loss, elapsed, ETA)', async () => {
    const events: ProgressEvent[] = [];
    const config = testConfig(dir, { algorithms: [{ name: 'nn', algo: 'nn', params: { layers: [3] }, train: { n_epochs: 4, bs: 128, learning_rate: 0.01 } }], model_folder: path.join(dir, 'p') });
    await trainAll(config, frame, { progress: (e) => events.push(e) });
    const epochs = events.filter((e) => e.unit === 'epochs');
    expect(epochs.map((e) => e.done)).toEqual([1, 2, 3, 4]);
    expect(epochs.every((e) => e.stage === 'train y_nn' && e.total === 4 && /^loss \d/.test(e.detail ?? '') && e.elapsedMs! >= 0 && e.etaMs !== undefined)).toBe(true);
  });

  it('repeats a run exactly with the same seed', async () => {
    const def = { name: 'nn', algo: 'nn', params: { layers: [3] }, train: { n_epochs: 2, bs: 64, learning_rate: 0.01 } };
    const run = async (sub: string, seed: number) => {
      const folder = path.join(dir, sub);
      await trainAll(testConfig(dir, { algorithms: [def], model_folder: folder }), frame, { seed });
      return fs.readFileSync(path.join(folder, 'y_nn.nn.bin'));
    };
    const a = await run('s1', 7);
    const b = await run('s2', 7);
    const c = await run('s3', 8);
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  it('can be cancelled while a model trains', async () => {
    const controller = new AbortController();
    const folder = path.join(dir, 'cancelled');
    const config = testConfig(dir, { algorithms: [{ name: 'nn', algo: 'nn', train: { n_epochs: 500, bs: 16 } }], model_folder: folder });
    const started = Date.now();
    const training = trainAll(config, frame, {
      signal: controller.signal,
      progress: (e) => {
        if (e.unit === 'epochs') controller.abort();
      },
    });
    await expect(training).rejects.toThrow('training was cancelled');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(fs.existsSync(path.join(folder, 'y_nn.json'))).toBe(false);
  });

  it('refuses a label with a single class before fitting, and the good models stay', async () => {
    const folder = path.join(dir, 'single-class');
    const config = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc', params: { is_scale: true }, train: {} }], model_folder: folder });
    await trainAll(config, frame);
    const stored = () => Object.fromEntries(fs.readdirSync(folder).map((f) => [f, fs.readFileSync(path.join(folder, f), 'utf8')]));
    const good = stored();
    expect((JSON.parse(good['y_lc.json']!) as { metrics: { auc: number } }).metrics.auc).toBeGreaterThan(0.7);
    const never = frame.slice(0).set('y', new Float64Array(frame.length), 'int');
    await expect(trainAll(config, never)).rejects.toThrow(
      'model y_lc: label y is 0 in all 2000 training rows, so a classifier cannot learn from it; the stored models are kept (train on a longer period, or choose a label that happens in it)',
    );
    expect(stored()).toEqual(good);
    expect(readmePromises()).toContain(SINGLE_CLASS_PROMISE);
  });

  it('gb’s early stopping keeps the config’s label_horizon between the rows it trains on and the held-out ones', async () => {
    const gb = { name: 'gb', algo: 'gb', params: { is_scale: false }, train: { num_boost_round: 30, early_stopping_round: 5 } };
    const fitOf = async (labelHorizon: number) => {
      const set = await trainAll(testConfig(dir, { algorithms: [gb], label_horizon: labelHorizon, model_folder: path.join(dir, `gap-${labelHorizon}`) }), frame);
      return set.models[0]!.manifest.fit as Record<string, unknown>;
    };
    expect(await fitOf(60)).toMatchObject({ validation_rows: 200, validation_gap_rows: 60 });
    expect(await fitOf(0)).toMatchObject({ validation_rows: 200, validation_gap_rows: 0 });
  });

  it('algorithms that share rows get the same arrays: scaled (lc, nn) and unscaled (gb) fit as each would alone', async () => {
    const algorithms = [
      { name: 'lc', algo: 'lc', params: { is_scale: true }, train: {} },
      { name: 'gb', algo: 'gb', params: { is_scale: false }, train: { num_boost_round: 20 } },
      { name: 'nn', algo: 'nn', params: { is_scale: true, layers: [3] }, train: { n_epochs: 2, bs: 128 } },
    ];
    const files = (folder: string) => Object.fromEntries(fs.readdirSync(folder).filter((f) => /\.(bin|json)$/.test(f) && !/model-set/.test(f)).map((f) => [f, fs.readFileSync(path.join(folder, f))]));
    const manifest = (text: Buffer) => {
      const m = JSON.parse(text.toString('utf8')) as Record<string, unknown> & { training: Record<string, unknown> };
      return { ...m, training_id: undefined, created_at: undefined, training: { ...m.training, seconds: undefined } };
    };
    const together = path.join(dir, 'together');
    await trainAll(testConfig(dir, { algorithms, model_folder: together }), frame);
    const all = files(together);
    for (const def of algorithms) {
      const alone = path.join(dir, `alone-${def.name}`);
      await trainAll(testConfig(dir, { algorithms: [def], model_folder: alone }), frame);
      for (const [name, bytes] of Object.entries(files(alone))) {
        if (name.endsWith('.json') && !name.includes(`.${def.name}.`)) expect(manifest(all[name]!), name).toEqual(manifest(bytes));
        else expect(Buffer.compare(all[name]!, bytes), name).toBe(0);
      }
    }
  });

  it('prepares each algorithm’s rows: every_nth_row, then the last `length`', () => {
    const rows = Int32Array.from({ length: 10 }, (_, i) => i * 2);
    expect(Array.from(algorithmRows(rows, { name: 'x', algo: 'lc', params: { every_nth_row: 3, length: 3 }, train: {} }))).toEqual([6, 12, 18]);
    expect(Array.from(algorithmRows(rows, { name: 'x', algo: 'lc', params: {}, train: {} }))).toEqual(Array.from(rows));
  });

  it('resolves train_feature_sets like the original: own lists win, names are looked up', () => {
    const config = testConfig(dir, {
      algorithms: [{ name: 'lc', algo: 'lc' }, { name: 'nn', algo: 'nn' }],
      train_feature_sets: [{ generator: 'train_features', config: {} }, { generator: 'train_features', config: { columns: ['a'], labels: ['z'], functions: ['nn'] } }],
    });
    const [first, second] = resolveTrainSets(config);
    expect(first).toMatchObject({ features: ['a', 'b', 'c'], labels: ['y'] });
    expect(first!.algorithms.map((a) => a.name)).toEqual(['lc', 'nn']);
    expect(second).toMatchObject({ features: ['a'], labels: ['z'] });
    expect(second!.algorithms.map((a) => a.name)).toEqual(['nn']);
    const bad = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc' }], train_feature_sets: [{ config: { functions: ['gbm'] } }] });
    expect(() => resolveTrainSets(bad)).toThrow('config: train_feature_sets[0] names algorithm "gbm", which is not in algorithms (lc)');
  });
});
