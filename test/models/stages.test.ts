import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { silentProgress } from '../../src/jobs/progress.ts';
import { run as predictRolling } from '../../src/jobs/predictRolling.ts';
import { run as predict } from '../../src/jobs/predict.ts';
import { log } from '../../src/log.ts';
import { readCsv, writeCsv } from '../../src/storage/csv.ts';
import { sideFile } from '../../src/models/stageData.ts';
import { truncateRows, walkForwardPlan, type WalkForwardStep } from '../../src/models/walkForward.ts';
import { syntheticFrame } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-stages-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const root = path.resolve(import.meta.dirname, '../..');

const HORIZON = 30;
const raw = {
  data_folder: dir,
  symbol: 'TEST',
  label_horizon: HORIZON,
  train_length: 0,
  train_features: ['a', 'b', 'c'],
  labels: ['y'],
  algorithms: [
    { name: 'lc', algo: 'lc', params: { is_scale: true }, train: { penalty: 'l2', C: 1.0, class_weight: null, solver: 'sag', max_iter: 100 } },
    { name: 'gb', algo: 'gb', train: { objective: 'cross_entropy', max_depth: 1, learning_rate: 0.1, num_boost_round: 40, lambda_l1: 1.0, lambda_l2: 1.0 } },
  ],
  train_feature_sets: [{ generator: 'train_features', config: {} }],
  rolling_predict: { data_start: null, data_end: null, prediction_start: null, prediction_size: 400, prediction_steps: 3 },
};

// matrix.csv as the labels stage writes it: prices, features, labels; a few rows lack a feature.
const matrix = syntheticFrame(3000, 21);
for (const c of ['open', 'high', 'low']) matrix.set(c, matrix.get('close').slice());
matrix.set('volume', new Float64Array(matrix.length).fill(1.5));
matrix.get('a')[0] = NaN;
matrix.get('a')[2990] = NaN;
fs.mkdirSync(path.join(dir, 'TEST'), { recursive: true });
writeCsv(path.join(dir, 'TEST', 'matrix.csv'), matrix, { decimals: 6 });
const configFile = path.join(dir, 'config.jsonc');
fs.writeFileSync(configFile, `// test config\n${JSON.stringify(raw, null, 2)}\n`);

function context(over: Record<string, unknown> = {}): JobContext {
  const { config } = buildConfig({ ...raw, ...over }, { env: {} });
  return { config, configFile, args: [], log: log(), progress: silentProgress };
}

/** Whether some training row's label window (the next label_horizon rows) reaches into its prediction slice. */
function labelWindowLeaks(step: WalkForwardStep, labelHorizon: number): boolean {
  const lastTrainingRow = step.trainEnd - 1;
  return lastTrainingRow + labelHorizon >= step.predictStart;
}

describe('walk-forward plan', () => {
  it('derives the missing parameter as the original does', () => {
    expect(walkForwardPlan(1000, { prediction_size: 100, prediction_steps: 3 }, 10, 0).map((s) => s.predictStart)).toEqual([700, 800, 900]);
    expect(walkForwardPlan(1000, { prediction_start: 600, prediction_steps: 4 }, 10, 0).map((s) => s.predictEnd - s.predictStart)).toEqual([100, 100, 100, 100]);
    expect(walkForwardPlan(1000, { prediction_start: 600, prediction_size: 150 }, 10, 0)).toHaveLength(2);
    expect(walkForwardPlan(1000, { prediction_start: 700, prediction_size: 100, prediction_steps: 2 }, 10, 250)[1]).toEqual({ trainStart: 539, trainEnd: 789, predictStart: 800, predictEnd: 900 });
    expect(() => walkForwardPlan(1000, { prediction_start: 700, prediction_size: 200, prediction_steps: 2 }, 10, 0)).toThrow('config: rolling_predict asks for 2 steps of 200 rows from row 700, but the data has 1000 rows');
    expect(() => walkForwardPlan(1000, { prediction_size: 100 }, 10, 0)).toThrow(/needs two of/);
  });

  it('truncates the data as the original: a date keeps rows from (before) it, an int drops head (tail) rows', () => {
    const t = (i: number) => matrix.time[i]!;
    expect(truncateRows(matrix, '2025-01-01 00:10:00', null).time[0]).toBe(t(10));
    expect(truncateRows(matrix, 5, 7).length).toBe(3000 - 12);
    const cut = truncateRows(matrix, null, '2025-01-01 01:00:00');
    expect(cut.length).toBe(60);
    expect(() => truncateRows(matrix, 'soon', null)).toThrow('config: rolling_predict.data_start "soon" is neither a row number nor a date');
    expect(sideFile('/d/predictions.csv')).toBe('/d/predictions.txt');
    expect(sideFile('/d/predictions.csv.gz')).toBe('/d/predictions.txt');
  });

  it('no training row’s label window reaches into its prediction slice', () => {
    for (const h of [0, 1, 5, 120]) {
      for (const step of walkForwardPlan(5000, { prediction_size: 333, prediction_steps: 7 }, h, 0)) expect(labelWindowLeaks(step, h)).toBe(false);
    }
    // the check itself catches a plan without the gap
    expect(labelWindowLeaks({ trainStart: 0, trainEnd: 700, predictStart: 700, predictEnd: 800 }, 5)).toBe(true);
    expect(labelWindowLeaks({ trainStart: 0, trainEnd: 696, predictStart: 700, predictEnd: 800 }, 5)).toBe(true);
  });
});

describe('stages', () => {
  it('itb train through the CLI writes the models (training in worker threads under node bin/itb.mjs)', async () => {
    const { stderr } = await promisify(execFile)(process.execPath, [path.join(root, 'bin/itb.mjs'), 'train', '-c', configFile], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' } });
    const folder = path.join(dir, 'TEST', 'MODELS');
    expect(fs.readdirSync(folder).sort()).toEqual(['model-set.json', 'training.txt', 'y_gb.json', 'y_gb.xgb.json', 'y_lc.json', 'y_lc.lc.json']);
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'y_lc.json'), 'utf8'));
    // the last label_horizon rows are dropped, then rows missing a feature
    expect(m.training.rows).toBe(3000 - HORIZON - 1);
    expect(fs.readFileSync(path.join(folder, 'training.txt'), 'utf8')).toMatch(/^y_lc: \{'auc': 0\.\d+, 'ap': /m);
    expect(stderr).toMatch(/train y_gb/);
  });

  it('itb predict writes predictions.csv with scores, prices and labels, and appends metrics', async () => {
    expect(await predict(context())).toBe(0);
    expect(await predict(context())).toBe(0);
    const out = readCsv(path.join(dir, 'TEST', 'predictions.csv'));
    expect(out.columnNames()).toEqual(['y_lc', 'y_gb', 'open', 'high', 'low', 'close', 'volume', 'y']);
    expect(out.length).toBe(3000 - 2); // rows missing a feature are dropped
    const text = fs.readFileSync(path.join(dir, 'TEST', 'predictions.txt'), 'utf8');
    const blocks = text.split('\n\n').filter(Boolean);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^y_lc: \{'auc': 0\.[89]\d*, 'ap': [\d.]+, 'f1': [\d.]+, 'precision': [\d.]+, 'recall': [\d.]+\}\ny_gb: \{'auc': /);
  });

  it('itb predict without models says what to do', async () => {
    await expect(predict(context({ model_folder: path.join(dir, 'empty') }))).rejects.toThrow(/^no model y_lc in .*empty \(expected y_lc\.json\): train it first with `itb train`$/);
  });

  it('itb predict-rolling predicts each slice with models trained before its label gap', async () => {
    const folder = path.join(dir, 'rolling');
    expect(await predictRolling(context({ model_folder: folder }))).toBe(0);
    const out = readCsv(path.join(dir, 'TEST', 'predictions.csv'));
    expect(out.length).toBe(1200);
    expect(out.time[0]).toBe(matrix.time[1800]);
    expect(out.time[1199]).toBe(matrix.time[2999]);
    expect(Number.isNaN(out.get('y_lc')[1190]!)).toBe(true); // row 2990 lacks a feature: kept, scored NaN
    // the models on disk are those of the last step: their last training row ends the label gap before row 2600
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'y_lc.json'), 'utf8'));
    const lastTrained = Date.parse(m.training.end.replace(' ', 'T') + 'Z');
    const firstPredicted = matrix.time[2600]!;
    expect(lastTrained + HORIZON * 60_000).toBeLessThan(firstPredicted);
    expect(lastTrained).toBe(matrix.time[2600 - HORIZON - 2]);
    const text = fs.readFileSync(path.join(dir, 'TEST', 'predictions.txt'), 'utf8');
    expect(text.trim().split('\n').slice(-2).map((l) => l.split(':')[0])).toEqual(['y_lc', 'y_gb']);
  });
});
