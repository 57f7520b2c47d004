import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/jobs/progress.ts';
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
