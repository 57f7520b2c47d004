import { createHash } from 'node:crypto';
import type { AlgorithmDef } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { calibrationOf } from '../core/signals/calibration.ts';
import { algorithm, defaultScaling } from './algorithms.ts';
import { classificationScores, regressionScores } from './metrics.ts';
import { applyScaler, fitScaler } from './scaler.ts';
import type { FitProgress, ModelArtifact } from './types.ts';

/** Everything one label × algorithm fit needs; plain data, so it can be posted to a worker. */
export interface FitJob {
  scoreColumn: string;
  label: string;
  features: string[];
  def: AlgorithmDef;
  /** Feature rows of the whole table (row-major), usually in a SharedArrayBuffer. */
  X: Float64Array;
  /** The label column of the whole table. */
  y: Float64Array;
  time: Float64Array;
  /** The rows to train on (indices into X/y/time). */
  rows: Int32Array;
  seed: number;
}

const METRIC_SAMPLE = 20_000;

/**
 * A classifier needs both classes among its training rows: a label that is always 0 (or always 1)
 * there is refused in one sentence before anything is fitted or saved.
 */
export function refuseSingleClass(job: FitJob): void {
  if (job.def.params?.is_regression === true || !job.rows.length) return;
  const first = job.y[job.rows[0]!]!;
  for (const r of job.rows) if (job.y[r] !== first) return;
  throw new UserError(
    `model ${job.scoreColumn}: label ${job.label} is ${first} in all ${job.rows.length} training rows, so a classifier cannot learn from it; the stored models are kept (train on a longer period, or choose a label that happens in it)`,
  );
}

/** Scales, fits and checks one model; the predictions of the artifact are those of its stored weights. */
export async function fitModel(job: FitJob, progress: (p: FitProgress) => void): Promise<ModelArtifact> {
  const started = Date.now();
  const { def, rows, features } = job;
  const f = features.length;
  const n = rows.length;
  if (n === 0) throw new UserError(`model ${job.scoreColumn}: no training rows (every row has a missing feature or label)`);
  const isRegression = def.params?.is_regression === true;

  const scale = def.params?.is_scale ?? defaultScaling(def.algo);
  // Unscaled rows in one run (gb's usual case) are read in place: the shared table is never written.
  const inPlace = !scale && rows[n - 1]! - rows[0]! === n - 1;
  const X = inPlace ? job.X.subarray(rows[0]! * f, (rows[0]! + n) * f) : new Float64Array(n * f);
  const y = new Float64Array(n);
  const hash = createHash('sha256');
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    if (!inPlace) X.set(job.X.subarray(r * f, r * f + f), k * f);
    y[k] = job.y[r]!;
  }
  hash.update(new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
  hash.update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  if (!isRegression) {
    for (let k = 0; k < n; k++) {
      if (y[k] !== 0 && y[k] !== 1) throw new UserError(`model ${job.scoreColumn}: label ${job.label} has the value ${y[k]} but a classifier needs 0/1 labels (set params.is_regression for a numeric target)`);
    }
  }
  const scaler = scale ? fitScaler(X, n, f) : null;
  if (scaler) applyScaler(scaler, X, f);

  const algo = await algorithm(def.algo);
  const fit = await algo.fit(X, y, n, f, def, { seed: job.seed, isRegression, progress });

  // In-sample metrics from the stored weights, on evenly spaced rows (bounded cost).
  const predictor = await algo.load(fit.weights, f, isRegression);
  const step = Math.max(1, Math.ceil(n / METRIC_SAMPLE));
  const m = Math.ceil(n / step);
  const Xs = new Float64Array(m * f);
  const ys = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    Xs.set(X.subarray(k * step * f, k * step * f + f), k * f);
    ys[k] = y[k * step]!;
  }
  const pred = predictor.predict(Xs, m);
  const metrics = { ...(isRegression ? regressionScores(ys, pred) : classificationScores(ys, pred)) } as Record<string, number>;

  let mean = 0;
  for (let k = 0; k < n; k++) mean += y[k]!;
  // The scores of every training row, from the stored weights: what a score means for this model.
  const calibration = calibrationOf(predictor.predict(X, n), mean / n);
  return {
    scoreColumn: job.scoreColumn,
    label: job.label,
    def,
    features,
    isRegression,
    scaler,
    fit,
    libraries: algo.libraries(),
    training: {
      rows: n,
      start: job.time[rows[0]!]!,
      end: job.time[rows[n - 1]!]!,
      fingerprint: hash.digest('hex'),
      labelMean: mean / n,
      seconds: (Date.now() - started) / 1000,
      metrics,
      calibration,
    },
  };
}
