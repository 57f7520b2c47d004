import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/jobs/progress.ts';
import { gbSettings, xgboostSetup } from '../../src/models/gbParams.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { treeEnsembleFromXgboostJson } from '../../src/models/treeEnsemble.ts';
import { xgboost, xgboostAvailable, xgboostLibraryNames } from '../../src/models/xgboost.ts';
import { syntheticFrame, testConfig } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-gb-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.ITB_XGBOOST_LIB;
});

const NO_XGBOOST = `the XGBoost library is not installed here (the dynamic loader found none of ${xgboostLibraryNames().join(', ')}; Debian: apt-get install libxgboost0)`;
const haveXgboost = xgboostAvailable();

const opts = { name: 'gb', isRegression: false, seed: 3 };

describe('gb parameters', () => {
  it('reads the original’s LightGBM keys, their aliases and LightGBM’s defaults', () => {
    const s = gbSettings({ objective: 'cross_entropy', max_depth: 1, learning_rate: 0.01, num_boost_round: 1500, lambda_l1: 1.0, lambda_l2: 2.0, num_leaves: 32, min_data_in_leaf: 100, is_unbalance: true, metric: 'cross_entropy', extra_key: 1 }, opts);
    expect(s).toMatchObject({ engine: 'js', objective: 'binary', rounds: 1500, maxDepth: 1, learningRate: 0.01, lambdaL1: 1, lambdaL2: 2, numLeaves: 32, minDataInLeaf: 100, isUnbalance: true, metric: 'binary_logloss', seed: 3, ignored: ['extra_key'] });
    expect(gbSettings({ n_estimators: 7, eta: 0.3, reg_alpha: 0.5, min_child_samples: 4, subsample: 0.5, subsample_freq: 2, colsample_bytree: 0.8, random_state: 9 }, opts)).toMatchObject({ rounds: 7, learningRate: 0.3, lambdaL1: 0.5, minDataInLeaf: 4, baggingFraction: 0.5, baggingFreq: 2, featureFraction: 0.8, seed: 9 });
    expect(gbSettings({}, opts)).toMatchObject({ rounds: 100, learningRate: 0.1, numLeaves: 31, maxDepth: -1, minDataInLeaf: 20, minSumHessianInLeaf: 1e-3, maxBin: 255, lambdaL1: 0, lambdaL2: 0, boostFromAverage: true, earlyStoppingRounds: 0, validationFraction: 0 });
    expect(gbSettings({}, { ...opts, isRegression: true })).toMatchObject({ objective: 'regression', metric: 'l2' });
    expect(gbSettings({ early_stopping_round: 20 }, opts)).toMatchObject({ earlyStoppingRounds: 20, validationFraction: 0.1 });
  });

  it('a bad value is one sentence naming the key', () => {
    const bad = (train: Record<string, unknown>) => () => gbSettings(train, { ...opts, name: 'gbx' });
    expect(bad({ objective: 'lambdarank' })).toThrow(/^algorithm gbx: train.objective "lambdarank" is not supported \(use binary, cross_entropy or regression\)$/);
    expect(bad({ max_bin: 300 })).toThrow('algorithm gbx: train.max_bin must be a whole number from 2 to 255, got 300');
    expect(bad({ learning_rate: 'fast' })).toThrow('algorithm gbx: train.learning_rate must be a positive number, got "fast"');
    expect(bad({ engine: 'lightgbm' })).toThrow('algorithm gbx: train.engine must be "js" or "xgboost", got "lightgbm"');
    expect(bad({ is_unbalance: true, scale_pos_weight: 3 })).toThrow('algorithm gbx: train.is_unbalance and train.scale_pos_weight cannot be set together');
    expect(bad({ metric: 'l2' })).toThrow('algorithm gbx: train.metric "l2" does not fit the binary objective');
    expect(bad({ boosting: 'dart' })).toThrow('algorithm gbx: train.boosting "dart" is not supported (only gbdt)');
  });

  it('maps the settings onto XGBoost parameters for the xgboost engine', () => {
    const s = gbSettings({ engine: 'xgboost', objective: 'cross_entropy', max_depth: 1, learning_rate: 0.01, num_boost_round: 1500, lambda_l1: 1.0, lambda_l2: 2.0, num_leaves: 32, min_data_in_leaf: 100, is_unbalance: true }, opts);
    const x = xgboostSetup(s, 0.2);
    expect(x.rounds).toBe(1500);
    expect(x.params).toMatchObject({ objective: 'binary:logistic', max_depth: '1', eta: '0.01', alpha: '1', lambda: '2', max_leaves: '32', grow_policy: 'lossguide', seed: '3', base_score: '0.2' });
    expect(Number(x.params.min_child_weight)).toBeCloseTo(100 * 0.2 * 0.8, 9);
    expect(Number(x.params.scale_pos_weight)).toBeCloseTo(4, 9);
    expect(xgboostSetup(gbSettings({ objective: 'regression' }, opts), 3).params.objective).toBe('reg:squarederror');
  });
});

describe('gb models', () => {
  it('train with the built-in engine by default, with progress in trees and a loss, into XGBoost’s JSON layout', async () => {
    const folder = path.join(dir, 'js');
    const events: ProgressEvent[] = [];
    const config = testConfig(dir, { algorithms: [{ name: 'gb', algo: 'gb', train: { num_boost_round: 200, num_leaves: 6, learning_rate: 0.1 } }], model_folder: folder });
    const models = await trainAll(config, syntheticFrame(2000, 5), { progress: (e) => events.push(e) });
    const manifest = models.models[0]!.manifest;
    expect(manifest.fit).toMatchObject({ engine: 'js', rounds: 200, rounds_run: 200, trees: 200, stopped_early: false });
    expect(manifest.libraries).not.toHaveProperty('xgboost');
    const json = JSON.parse(fs.readFileSync(path.join(folder, 'y_gb.xgb.json'), 'utf8'));
    expect(json.learner.gradient_booster.model.trees).toHaveLength(200);
    const trees = events.filter((e) => e.unit === 'trees');
    expect(trees.length).toBeGreaterThanOrEqual(50);
    expect(trees.at(-1)).toMatchObject({ done: 200, total: 200 });
    expect(trees.every((e) => /^loss 0\.\d+/.test(e.detail ?? ''))).toBe(true);
  });

  it('without the XGBoost library only the xgboost engine fails, in one sentence naming the install step', async () => {
    process.env.ITB_XGBOOST_LIB = path.join(dir, 'no-such-libxgboost.so');
    const frame = syntheticFrame(500, 7);
    const withXgb = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc' }, { name: 'gb', algo: 'gb', train: { engine: 'xgboost' } }], model_folder: path.join(dir, 'x') });
    await expect(trainAll(withXgb, frame)).rejects.toThrow(
      /^algorithm gb with "engine": "xgboost" needs the XGBoost library, which is not at .*no-such-libxgboost\.so \(ITB_XGBOOST_LIB\): install it \(Debian\/Ubuntu: `apt-get install libxgboost0`\)/,
    );
    const builtIn = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc' }, { name: 'gb', algo: 'gb' }], model_folder: path.join(dir, 'y') });
    const models = await trainAll(builtIn, frame);
    expect(models.scoreColumns).toEqual(['y_lc', 'y_gb']);
  });

  it('asks the dynamic loader for the library by name, not by a folder', () => {
    expect(xgboostLibraryNames({}, 'linux')).toEqual(['libxgboost.so.0', 'libxgboost.so']);
    expect(xgboostLibraryNames({}, 'darwin')).toEqual(['libxgboost.dylib']);
    expect(xgboostLibraryNames({ ITB_XGBOOST_LIB: '/opt/x/libxgboost.so' }, 'linux')).toEqual(['/opt/x/libxgboost.so']);
  });

  const testRows = () => {
    const test = syntheticFrame(500, 6);
    const f = 3;
    const X = new Float32Array(500 * f);
    for (let i = 0; i < 500; i++) ['a', 'b', 'c'].forEach((c, j) => (X[i * f + j] = test.get(c)[i]!));
    X[0] = NaN; // the missing-value branch
    X[4] = NaN;
    return X;
  };
  const worstGap = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    return worst;
  };

  it('the xgboost engine: scored by the JS tree evaluator exactly as XGBoost itself does, NaN inputs included', async (ctx) => {
    ctx.skip(!haveXgboost, NO_XGBOOST);
    const config = testConfig(dir, { algorithms: [{ name: 'gb', algo: 'gb', train: { engine: 'xgboost', num_boost_round: 60, num_leaves: 6, learning_rate: 0.2 } }], model_folder: path.join(dir, 'm') });
    const models = await trainAll(config, syntheticFrame(2000, 5));
    expect(models.models[0]!.manifest.fit).toMatchObject({ engine: 'xgboost', xgboost_version: xgboost().version });
    const json = fs.readFileSync(path.join(dir, 'm', 'y_gb.xgb.json'));
    const X = testRows();
    const reference = xgboost().predict(json, X, 500, 3);
    const ours = treeEnsembleFromXgboostJson(json.toString('utf8')).predict(Float64Array.from(X), 500);
    expect(worstGap(ours, reference)).toBeLessThan(2e-6);
    expect(new Set(Array.from(reference)).size).toBeGreaterThan(20);
  });

  it('XGBoost reads the built-in engine’s model file and scores it as our evaluator does', async (ctx) => {
    ctx.skip(!haveXgboost, NO_XGBOOST);
    const train = syntheticFrame(2000, 5);
    const config = testConfig(dir, { algorithms: [{ name: 'gb', algo: 'gb', train: { num_boost_round: 60, num_leaves: 6, learning_rate: 0.2 } }], model_folder: path.join(dir, 'js2') });
    await trainAll(config, train);
    const json = fs.readFileSync(path.join(dir, 'js2', 'y_gb.xgb.json'));
    const X = testRows();
    const reference = xgboost().predict(json, X, 500, 3);
    const ours = treeEnsembleFromXgboostJson(json.toString('utf8')).predict(Float64Array.from(X), 500);
    expect(worstGap(ours, reference)).toBeLessThan(2e-6);
  });
});
