import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.ts';
import { loadModelSet } from '../../src/models/modelSet.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { syntheticFrame, testConfig } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-files-'));
const folder = path.join(dir, 'MODELS');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const algorithms = [{ name: 'lc', algo: 'lc', train: { C: 1 } }];
const config = testConfig(dir, { algorithms, model_folder: folder });
const frame = syntheticFrame(1500, 3);

beforeAll(async () => {
  await trainAll(config, frame);
});

async function loadError(cfg = config): Promise<Error> {
  try {
    await loadModelSet(cfg);
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return e as Error;
  }
  throw new Error('loading succeeded');
}

describe('model files', () => {
  it('hold a manifest describing the model and its training', () => {
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'y_lc.json'), 'utf8'));
    expect(m).toMatchObject({ format: 'itb-ts-model', format_version: 1, score_column: 'y_lc', label: 'y', name: 'lc', algo: 'lc', is_regression: false, features: ['a', 'b', 'c'] });
    expect(m.scaler.mean).toHaveLength(3);
    expect(m.scaler.mean[2]).toBeGreaterThan(89_000);
    expect(m.training.rows).toBe(1500);
    expect(m.training.start).toBe('2025-01-01 00:00:00');
    expect(m.training.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(m.metrics.auc).toBeGreaterThan(0.8);
    expect(m.libraries.node).toBe(process.versions.node);
    expect(m.weights).toEqual([expect.objectContaining({ file: 'y_lc.lc.json' })]);
    expect(Date.parse(m.created_at)).toBeGreaterThan(0);
    expect(fs.readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('hold the calibration: the base rate and the quantiles of the scores on the training rows', async () => {
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'y_lc.json'), 'utf8'));
    const y = frame.get('y');
    const positives = y.reduce((s, v) => s + v, 0);
    expect(m.calibration.base_rate).toBe(positives / y.length);
    expect(m.training.label_mean).toBe(m.calibration.base_rate);
    // The training scores of the loaded model, sorted: the table's ends and middle are theirs.
    const models = await loadModelSet(config);
    const scores = models.predictFrame(frame).get('y_lc').slice().sort();
    const q: number[] = m.calibration.quantiles;
    expect(q).toHaveLength(1001);
    expect(q[0]).toBe(scores[0]);
    expect(q[1000]).toBe(scores[1499]);
    expect(q[500]).toBeCloseTo((scores[749]! + scores[750]!) / 2, 12);
    expect(q.every((v, i) => i === 0 || v >= q[i - 1]!)).toBe(true);
    // A converged logistic regression with an intercept scores its training rows at their base rate on average.
    expect(m.calibration.mean_score).toBeCloseTo(m.calibration.base_rate, 4);
    expect(models.calibration('y_lc')).toEqual(m.calibration);
  });

  it('the same rows give the same fingerprint; other rows another', async () => {
    const fp = (f: string) => JSON.parse(fs.readFileSync(path.join(f, 'y_lc.json'), 'utf8')).training.fingerprint;
    const again = path.join(dir, 'again');
    await trainAll(testConfig(dir, { algorithms, model_folder: again }), frame);
    expect(fp(again)).toBe(fp(folder));
    const other = path.join(dir, 'other');
    await trainAll(testConfig(dir, { algorithms, model_folder: other }), frame.slice(1));
    expect(fp(other)).not.toBe(fp(folder));
  });

  it('a feature list that differs from the config is named exactly', async () => {
    const added = await loadError(testConfig(dir, { algorithms, model_folder: folder, train_features: ['a', 'b', 'c', 'd'] }));
    expect(added.message).toBe('model y_lc was trained on other features than the config lists: the config adds d — retrain with `itb train`');
    const swapped = await loadError(testConfig(dir, { algorithms, model_folder: folder, train_features: ['b', 'a', 'c'] }));
    expect(swapped.message).toMatch(/^model y_lc was trained on other features than the config lists: the config lists the same features in another order \(model: a, b, c\)/);
    const renamed = await loadError(testConfig(dir, { algorithms, model_folder: folder, train_features: ['a', 'b', 'z'] }));
    expect(renamed.message).toMatch(/the config adds z; the config no longer has c/);
  });

  it('a missing model is one clear sentence', async () => {
    const e = await loadError(testConfig(dir, { algorithms, model_folder: folder, labels: ['y', 'other'] }));
    expect(e.message).toBe(`no model other_lc in ${folder} (expected other_lc.json): train it first with \`itb train\``);
  });

  it('an algorithm changed in the config, or changed weights, are refused', async () => {
    const e = await loadError(testConfig(dir, { algorithms: [{ name: 'lc', algo: 'nn' }], model_folder: folder }));
    expect(e.message).toMatch(/^model y_lc is a lc model but the config's algorithm lc is nn/);
    const copy = path.join(dir, 'tampered');
    fs.cpSync(folder, copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'y_lc.lc.json'), ' ');
    const t = await loadError(testConfig(dir, { algorithms, model_folder: copy }));
    expect(t.message).toMatch(/weights file y_lc\.lc\.json does not match the manifest/);
  });
});
