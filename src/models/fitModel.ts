import type { AlgorithmDef } from '../config/schema.ts';
import { UserError } from '../shared/errors.ts';
import { calibrationOf } from '../core/signals/calibration.ts';
import { algorithm } from './algorithms.ts';
import { classificationScores, regressionScores } from './metrics.ts';
import type { Scaler } from './scaler.ts';
import type { FitProgress, ModelArtifact } from './types.ts';

/** Everything one label × algorithm fit needs; plain data, so it can be posted to a worker. */
export interface FitJob {
  scoreColumn: string;
  label: string;
  features: string[];
  def: AlgorithmDef;
  /**
   * The training rows' features, row-major (rows × features), already scaled with `scaler` when
   * the algorithm scales; usually in a SharedArrayBuffer that other jobs read too, so never written.
   */
  X: Float64Array;
  /** The training rows' labels. */
  y: Float64Array;
  scaler: Scaler | null;
  /** Times of the first and last training row; sha-256 of the unscaled rows' bytes, then the labels'. */
  start: number;
  end: number;
  fingerprint: string;
  seed: number;
  /** The config's label_horizon (see FitContext). */
  labelHorizon: number;
}

const METRIC_SAMPLE = 20_000;

/**
 * A classifier needs both classes among its training rows: a label that is always 0 (or always 1)
 * there is refused in one sentence before anything is fitted or saved; and its labels must be 0/1.
 */
export function checkLabels(job: Pick<FitJob, 'scoreColumn' | 'label' | 'def' | 'y'>): void {
  const { y } = job;
  if (job.def.params?.is_regression === true || !y.length) return;
  const first = y[0]!;
  let single = true;
  for (let k = 1; k < y.length && single; k++) single = y[k] === first;
  if (single) {
    throw new UserError(
      `model ${job.scoreColumn}: label ${job.label} is ${first} in all ${y.length} training rows, so a classifier cannot learn from it; the stored models are kept (train on a longer period, or choose a label that happens in it)`,
    );
  }
  for (let k = 0; k < y.length; k++) {
    if (y[k] !== 0 && y[k] !== 1) throw new UserError(`model ${job.scoreColumn}: label ${job.label} has the value ${y[k]} but a classifier needs 0/1 labels (set params.is_regression for a numeric target)`);
  }
}

/** Fits and checks one model on its prepared rows; the predictions of the artifact are those of its stored weights. */
export async function fitModel(job: FitJob, progress: (p: FitProgress) => void): Promise<ModelArtifact> {
  const started = Date.now();
  const { def, features, X, y, scaler } = job;
  const f = features.length;
  const n = y.length;
  if (n === 0) throw new UserError(`model ${job.scoreColumn}: no training rows (every row has a missing feature or label)`);
  const isRegression = def.params?.is_regression === true;

  const algo = await algorithm(def.algo);
  const fit = await algo.fit(X, y, n, f, def, { seed: job.seed, isRegression, labelHorizon: job.labelHorizon, progress });

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
      start: job.start,
      end: job.end,
      fingerprint: job.fingerprint,
      labelMean: mean / n,
      seconds: (Date.now() - started) / 1000,
      metrics,
      calibration,
    },
  };
}
