import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { xgboostSetup } from '../../src/models/gbParams.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { treeEnsembleFromXgboostJson } from '../../src/models/treeEnsemble.ts';
import { xgboost } from '../../src/models/xgboost.ts';
import { syntheticFrame, testConfig } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-gb-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.ITB_XGBOOST_LIB;
});

describe('gb parameters', () => {
  it('maps the LightGBM keys of the original onto XGBoost', () => {
    const s = xgboostSetup(
      { objective: 'cross_entropy', max_depth: 1, learning_rate: 0.01, num_boost_round: 1500, lambda_l1: 1.0, lambda_l2: 2.0, num_leaves: 32, min_data_in_leaf: 100, is_unbalance: true, metric: 'cross_entropy', extra_key: 1 },
      { name: 'gb', isRegression: false, seed: 3, positiveShare: 0.2 },
    );
    expect(s.rounds).toBe(1500);
    expect(s.params).toMatchObject({ objective: 'binary:logistic', max_depth: '1', eta: '0.01', alpha: '1', lambda: '2', max_leaves: '32', grow_policy: 'lossguide', seed: '3', base_score: '0.2' });
    expect(Number(s.params.min_child_weight)).toBeCloseTo(100 * 0.2 * 0.8, 9);
    expect(Number(s.params.scale_pos_weight)).toBeCloseTo(4, 9);
    expect(s.ignored).toEqual(['extra_key']);
    expect(xgboostSetup({ objective: 'regression' }, { name: 'gb', isRegression: true, seed: 1, positiveShare: 3 }).params.objective).toBe('reg:squarederror');
    expect(() => xgboostSetup({ objective: 'lambdarank' }, { name: 'gbx', isRegression: false, seed: 1, positiveShare: 0.5 })).toThrow(/gbx: train.objective "lambdarank" is not supported/);
  });
});

describe('gb models', () => {
  it('score with the JS tree evaluator exactly as XGBoost itself does, NaN inputs included', async () => {
    const config = testConfig(dir, { algorithms: [{ name: 'gb', algo: 'gb', train: { num_boost_round: 60, num_leaves: 6, learning_rate: 0.2 } }], model_folder: path.join(dir, 'm') });
    await trainAll(config, syntheticFrame(2000, 5));
    const json = fs.readFileSync(path.join(dir, 'm', 'y_gb.xgb.json'));
    const test = syntheticFrame(500, 6);
    const f = 3;
    const X = new Float32Array(500 * f);
    for (let i = 0; i < 500; i++) ['a', 'b', 'c'].forEach((c, j) => (X[i * f + j] = test.get(c)[i]!));
    X[0] = NaN; // the missing-value branch
    X[4] = NaN;
    const reference = xgboost().predict(json, X, 500, f);
    const ours = treeEnsembleFromXgboostJson(json.toString('utf8')).predict(Float64Array.from(X), 500);
    let worst = 0;
    for (let i = 0; i < 500; i++) worst = Math.max(worst, Math.abs(ours[i]! - reference[i]!));
    expect(worst).toBeLessThan(2e-6);
    expect(new Set(Array.from(reference)).size).toBeGreaterThan(20);
  });

  it('a missing libxgboost is one sentence naming the install step, and other algorithms still train', async () => {
    process.env.ITB_XGBOOST_LIB = path.join(dir, 'no-such-libxgboost.so');
    const frame = syntheticFrame(500, 7);
    const withGb = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc' }, { name: 'gb', algo: 'gb' }], model_folder: path.join(dir, 'x') });
    await expect(trainAll(withGb, frame)).rejects.toThrow(/^algorithm gb needs the XGBoost library, which is not at .*no-such-libxgboost\.so: install it with `apt-get install libxgboost0`/);
    const lcOnly = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc' }], model_folder: path.join(dir, 'y') });
    const models = await trainAll(lcOnly, frame);
    expect(models.scoreColumns).toEqual(['y_lc']);
  });
});
