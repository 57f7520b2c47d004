/**
 * Model benchmarks (issue #4) on real BTCUSDT 1m candles (../shared/data/BTCUSDT-1m.csv.gz)
 * with the 1min sample config's features (close_SMA_1…60, LINEARREG_SLOPE, STDDEV) and
 * labels (high_20, low_20), computed by the engine's generators:
 *
 * - the baseline's split: the last 525,600 rows (2024-12-01 … 2025-11-30), train on the rows
 *   before 2025-09-01 minus the label_horizon gap, predict the last 3 months (the last 120
 *   rows left out of the metrics: their labels look past the data) → AUC next to scikit-learn's;
 * - one year → the next month: train on the year before 2025-11-01, predict November 2025;
 * - training time per model (the two labels' models train at once in worker threads; the
 *   original's LightGBM and TensorFlow use both cores too), prediction time, peak RSS, and one
 *   row scored by all 6 models;
 * - the peak RSS of a process that only trains the two gb models of the baseline's split.
 *
 * ITB_BENCH_QUICK=1 shortens nn to 5 epochs and gb to 150 rounds (for development runs).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig } from '../src/config/load.ts';
import type { AlgorithmDef, Config } from '../src/config/schema.ts';
import type { Frame } from '../src/core/frame.ts';
import { computeFeatures, computeLabels } from '../src/core/generators/compute.ts';
import { rocAuc, averagePrecision } from '../src/models/metrics.ts';
import { ModelSet } from '../src/models/modelSet.ts';
import { trainAll } from '../src/models/trainAll.ts';
import { completeRows } from '../src/models/trainSets.ts';
import { readCsv } from '../src/storage/csv.ts';
import { spawnSync } from 'node:child_process';
import { peakRssMb, SHARED_DATA, type BenchRow } from './lib.ts';
import { writeFrameDump } from './trainProcess.ts';

const QUICK = process.env.ITB_BENCH_QUICK === '1';
const YEAR_ROWS = 525_600;
const LABELS = ['high_20', 'low_20'];

const ALGORITHMS: Record<'lc' | 'gb' | 'nn', AlgorithmDef> = {
  lc: { name: 'lc', algo: 'lc', params: { is_scale: true, length: 0 }, train: { penalty: 'l2', C: 1.0, class_weight: null, solver: 'sag', max_iter: 100 } },
  gb: {
    name: 'gb',
    algo: 'gb',
    params: { is_scale: false },
    train: { objective: 'cross_entropy', max_depth: 1, learning_rate: 0.01, num_boost_round: QUICK ? 150 : 1500, lambda_l1: 1.0, lambda_l2: 1.0 },
  },
  nn: { name: 'nn', algo: 'nn', params: { is_scale: true, layers: [29] }, train: { learning_rate: 0.001, n_epochs: QUICK ? 5 : 50, bs: 1024 } },
};
/** scikit-learn / LightGBM / Keras AUC on the baseline's split (ITB-BASELINE.md). */
const BASELINE_AUC: Record<string, number> = {
  high_20_lc: 0.8082,
  low_20_lc: 0.7144,
  high_20_gb: 0.8185,
  low_20_gb: 0.7423,
  high_20_nn: 0.8101,
  low_20_nn: 0.7462,
};
/** How close each algorithm's AUC must come to the original's (issue #13 for gb). */
const AUC_SLACK: Record<string, number> = { lc: 0.01, gb: 0.003, nn: 0.01 };
/** Seconds per model fit of the original on 525,421 rows. */
const BASELINE_FIT_S: Record<string, number> = { lc: 29, gb: 11, nn: 42 };

async function matrixOfAllData(config: Config): Promise<Frame> {
  const frame = readCsv(path.join(SHARED_DATA, 'BTCUSDT-1m.csv.gz'), { columns: ['open', 'high', 'low', 'close', 'volume'] });
  await computeFeatures(frame, config);
  return computeLabels(frame, config);
}

interface SplitResult {
  rows: BenchRow[];
  models: ModelSet[];
}

/** Trains each algorithm on rows [trainStart, trainEnd) and scores rows [testStart, testEnd). */
async function runSplit(label: string, matrix: Frame, base: Config, trainStart: number, trainEnd: number, testStart: number, testEnd: number, baseline: boolean): Promise<SplitResult> {
  const rows: BenchRow[] = [];
  const models: ModelSet[] = [];
  const train = matrix.slice(trainStart, trainEnd);
  const trainRows = completeRows(train, [...base.train_features, ...LABELS]).length;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-models-'));
  try {
    for (const key of ['lc', 'gb', 'nn'] as const) {
      const config = { ...base, algorithms: [ALGORITHMS[key]] } as Config;
      const t0 = performance.now();
      const set = await trainAll(config, train, { folder });
      const fitS = (performance.now() - t0) / 1000 / LABELS.length;
      models.push(set);
      rows.push({
        name: `${label}: ${key} fit, per model (${trainRows.toLocaleString('en')} rows)`,
        value: fitS,
        unit: 's',
        baseline: BASELINE_FIT_S[key],
        baselineLabel: `ITB ${key}`,
        note: `wall of both labels' fits / 2 (worker threads in parallel); ${
          key === 'nn'
            ? `${ALGORITHMS.nn.train.n_epochs} epochs, ${set.models[0]!.manifest.fit.epochs} run, ${set.models[0]!.manifest.fit.engine} engine`
            : key === 'gb'
              ? `${set.models[0]!.manifest.fit.engine} engine, ${ALGORITHMS.gb.train.num_boost_round} rounds`
              : `${set.models[0]!.manifest.fit.iterations} Newton iterations`
        }`,
      });
      const t1 = performance.now();
      const scores = set.predictFrame(matrix, { start: testStart, end: testEnd });
      const predictMs = performance.now() - t1;
      rows.push({
        name: `${label}: ${key} predict, 2 models`,
        value: (predictMs * 1000) / (testEnd - testStart),
        unit: 'µs/row',
        baseline: baseline && key === 'lc' ? 22 : undefined,
        baselineLabel: 'ITB predict lc (incl. CSV)',
        note: `${(testEnd - testStart).toLocaleString('en')} rows in ${(predictMs / 1000).toFixed(2)} s`,
      });
      for (const l of LABELS) {
        const col = `${l}_${key}`;
        const truth = matrix.get(l).subarray(testStart, testEnd);
        const s = scores.get(col);
        const keep = Array.from(s.keys()).filter((i) => !Number.isNaN(s[i]!) && !Number.isNaN(truth[i]!));
        const t = Float64Array.from(keep, (i) => truth[i]!);
        const p = Float64Array.from(keep, (i) => s[i]!);
        const auc = rocAuc(t, p);
        rows.push({
          name: `${label}: AUC ${col}`,
          value: auc,
          unit: 'AUC',
          baseline: baseline ? BASELINE_AUC[col] : undefined,
          baselineLabel: 'ITB',
          target: baseline ? `≥ ${(BASELINE_AUC[col]! - AUC_SLACK[key]!).toFixed(4)}` : undefined,
          note: `AP ${averagePrecision(t, p).toFixed(4)}, ${keep.length.toLocaleString('en')} rows, positives ${((100 * t.reduce((a, b) => a + b, 0)) / t.length).toFixed(2)} %`,
        });
      }
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  return { rows, models };
}

/** The two gb models of rows [start, end) trained in a process of their own: its wall time and peak RSS. */
function gbTrainingProcess(label: string, matrix: Frame, base: Config, start: number, end: number): BenchRow[] {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-gb-'));
  try {
    const dump = path.join(folder, 'matrix.bin');
    writeFrameDump(dump, matrix.slice(start, end), [...base.train_features, ...LABELS]);
    const configFile = path.join(folder, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({ ...base, algorithms: [ALGORITHMS.gb] }));
    const runner = new URL('../bin/run-ts.mjs', import.meta.url).pathname;
    const script = new URL('./trainProcess.ts', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [runner, script, dump, configFile], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } });
    if (r.status !== 0) throw new Error(`the gb training process failed: ${r.stderr}`);
    const { seconds, cpuSeconds, peakMb } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; cpuSeconds: number; peakMb: number };
    return [
      {
        name: `${label}: gb training process, peak RSS`,
        value: peakMb,
        unit: 'MB',
        baseline: 716,
        baselineLabel: 'ITB train gb',
        target: '≤ 300 MB',
        note: `a process that reads the training rows (binary) and trains both labels' gb models in worker threads: ${(seconds / LABELS.length).toFixed(2)} s wall and ${(cpuSeconds / LABELS.length).toFixed(2)} s CPU per model`,
      },
    ];
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export async function bench(): Promise<BenchRow[]> {
  const sample = loadConfig(new URL('../src/config/samples/config-sample-1min.jsonc', import.meta.url).pathname, {}).config;
  // The talib feature sets and the two label sets of the sample (its custom close_add example is not a train feature).
  const base = { ...sample, feature_sets: sample.feature_sets.filter((d) => d.generator === 'talib'), train_length: 0 } as Config;
  const t0 = performance.now();
  const all = await matrixOfAllData(base);
  const featuresS = (performance.now() - t0) / 1000;
  const rows: BenchRow[] = [{ name: `features + labels of all ${all.length.toLocaleString('en')} rows (setup)`, value: featuresS, unit: 's', note: 'engine generators, CSV read included' }];
  const h = base.label_horizon;

  // The baseline's split: inside the last year, train before 2025-09-01 (minus the label gap), predict to the end.
  const yearStart = all.length - YEAR_ROWS;
  const ps = all.lowerBound(Date.UTC(2025, 8, 1));
  const split1 = await runSplit('9 months → 3 months', all, base, yearStart, ps - h - 1, ps, all.length - h, true);
  rows.push(...split1.rows);
  rows.push(...gbTrainingProcess('9 months → 3 months', all, base, yearStart, ps - h - 1));

  // One year, then the next month.
  const novStart = all.lowerBound(Date.UTC(2025, 10, 1));
  const trainEnd = novStart - h - 1;
  const split2 = await runSplit('1 year → next month', all, base, trainEnd - YEAR_ROWS, trainEnd, novStart, all.length - h, false);
  rows.push(...split2.rows);
  rows.push(...gbTrainingProcess('1 year → next month', all, base, trainEnd - YEAR_ROWS, trainEnd));

  // The service's path: one new row scored by all six models.
  const models = split2.models.flatMap((s) => s.models);
  const every = new ModelSet(models);
  const features = every.features;
  const times: number[] = [];
  for (let k = 0; k < 2000; k++) {
    const i = all.length - 1 - (k % 500);
    const row: Record<string, number> = {};
    for (const f of features) row[f] = all.get(f)[i]!;
    const t = performance.now();
    every.predictRow(row);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  rows.push({
    name: 'predict one row, all 6 models (lc+gb+nn × 2 labels), median',
    value: times[times.length >> 1]!,
    unit: 'ms',
    baseline: 4.9 + 2 * 210,
    baselineLabel: 'ITB tick predict lc+gb+nn',
    target: '< 2 ms',
    note: `p99 ${times[Math.floor(times.length * 0.99)]!.toFixed(3)} ms`,
  });
  rows.push({ name: 'peak RSS (features, 6 trainings in worker threads, predictions)', value: peakRssMb(), unit: 'MB', baseline: 1151, baselineLabel: 'ITB predict_rolling lc+gb+nn' });
  return rows;
}
