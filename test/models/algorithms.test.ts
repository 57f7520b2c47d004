import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelSet } from '../../src/models/modelSet.ts';
import { rocAuc, regressionScores } from '../../src/models/metrics.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { bayesScores, syntheticFrame, testConfig } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-models-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const train = syntheticFrame(3000, 1);
const test = syntheticFrame(2000, 2);
// Rows with a missing input: they must score NaN, and must not enter training.
for (const i of [3, 17, 400]) train.get('b')[i] = NaN;
for (const i of [5, 6]) test.get('a')[i] = NaN;
const yTest = test.get('y');
const bayes = rocAuc(yTest, bayesScores(test).map((v, i) => (Number.isNaN(test.get('a')[i]!) ? 0 : v)));

const classifiers = [
  { name: 'lc', algo: 'lc', train: { C: 1.0, max_iter: 100 } },
  { name: 'nn', algo: 'nn', params: { layers: [4] }, train: { learning_rate: 0.01, n_epochs: 8, bs: 64 } },
  { name: 'nntf', algo: 'nn', params: { layers: [4] }, train: { learning_rate: 0.01, n_epochs: 8, bs: 64, engine: 'tfjs' } },
  { name: 'gb', algo: 'gb', train: { objective: 'cross_entropy', num_boost_round: 80, max_depth: 2, learning_rate: 0.1 } },
  { name: 'svc', algo: 'svc', params: { length: 800 }, train: { C: 1.0 } },
];

describe.each(classifiers)('$name', (def) => {
  const folder = path.join(dir, def.name);
  const config = testConfig(dir, { algorithms: [def], model_folder: folder });
  let fresh: Awaited<ReturnType<typeof trainAll>>;

  it('learns the synthetic target close to the best possible AUC', async () => {
    fresh = await trainAll(config, train);
    const scores = fresh.predictFrame(test).get(`y_${def.name}`);
    const auc = rocAuc(yTest, scores.map((v) => (Number.isNaN(v) ? 0 : v)));
    expect(bayes).toBeGreaterThan(0.8);
    expect(auc).toBeGreaterThan(bayes - 0.03);
    expect(auc).toBeLessThanOrEqual(bayes + 0.02);
    for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i]!)) expect(scores[i]!).toBeGreaterThanOrEqual(0);
  });

  it('gives NaN for rows with a missing input and trains without them', async () => {
    const scores = fresh.predictFrame(test).get(`y_${def.name}`);
    expect(Number.isNaN(scores[5]!)).toBe(true);
    expect(Number.isNaN(scores[6]!)).toBe(true);
    expect(Number.isNaN(scores[7]!)).toBe(false);
    const m = fresh.models[0]!.manifest;
    expect(m.training.rows).toBe(def.params?.length ?? train.length - 3);
    expect(Number.isNaN(fresh.predictRow({ a: 1, b: NaN, c: 90_000 })[`y_${def.name}`]!)).toBe(true);
    expect(Number.isNaN(fresh.predictRow({ a: 1, c: 90_000 })[`y_${def.name}`]!)).toBe(true);
  });

  it('round-trips through its model files with identical predictions', async () => {
    const files = fs.readdirSync(folder).sort();
    expect(files).toContain(`y_${def.name}.json`);
    const loaded = await loadModelSet(config);
    const a = fresh.predictFrame(test).get(`y_${def.name}`);
    const b = loaded.predictFrame(test).get(`y_${def.name}`);
    expect(Array.from(b)).toEqual(Array.from(a));
    const row = { a: 0.3, b: -0.2, c: 90_050 };
    expect(loaded.predictRow(row)).toEqual(fresh.predictRow(row));
    // predictRow agrees with the batch path
    const i = 10;
    expect(loaded.predictRow({ a: test.get('a')[i]!, b: test.get('b')[i]!, c: test.get('c')[i]! })[`y_${def.name}`]).toBeCloseTo(b[i]!, 12);
  });
});

describe('regression variants', () => {
  const regressors = [
    { name: 'lcr', algo: 'lc', params: { is_regression: true } },
    { name: 'nnr', algo: 'nn', params: { is_regression: true, layers: [8] }, train: { learning_rate: 0.02, n_epochs: 30, bs: 32 } },
    { name: 'gbr', algo: 'gb', params: { is_regression: true }, train: { objective: 'regression', num_boost_round: 150, learning_rate: 0.1, num_leaves: 8 } },
    { name: 'svr', algo: 'svc', params: { is_regression: true, length: 800 }, train: { C: 10 } },
  ];
  it.each(regressors)('$name fits a linear target (r2 bound)', async (def) => {
    const config = testConfig(dir, { algorithms: [def], labels: ['target'], model_folder: path.join(dir, def.name) });
    const models = await trainAll(config, train);
    const pred = models.predictFrame(test).get(`target_${def.name}`);
    const keep = Array.from(pred.keys()).filter((i) => !Number.isNaN(pred[i]!));
    const r = regressionScores(Float64Array.from(keep, (i) => test.get('target')[i]!), Float64Array.from(keep, (i) => pred[i]!));
    expect(r.r2).toBeGreaterThan(def.algo === 'gb' ? 0.9 : 0.95);
    expect(models.models[0]!.manifest.is_regression).toBe(true);
  });

  it('lc regression recovers the coefficients', async () => {
    const config = testConfig(dir, { algorithms: [{ name: 'lin', algo: 'lc', params: { is_regression: true, is_scale: false }, train: { C: 1e6 } }], labels: ['target'], model_folder: path.join(dir, 'lin') });
    await trainAll(config, train);
    const w = JSON.parse(fs.readFileSync(path.join(dir, 'lin', 'target_lin.lc.json'), 'utf8')) as { coef: number[] };
    expect(w.coef[0]).toBeCloseTo(2, 1);
    expect(w.coef[1]).toBeCloseTo(-3, 1);
    expect(w.coef[2]).toBeCloseTo(0, 2);
  });
});
