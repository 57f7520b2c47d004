import type { AlgorithmDef } from '../config/schema.ts';
import type { ScoreCalibration } from '../core/signals/calibration.ts';
import type { Scaler } from './scaler.ts';

export type AlgoKind = AlgorithmDef['algo'];

/** A fitted model that scores rows already scaled and free of NaN. */
export interface Predictor {
  /** Scores of `n` rows of `X` (row-major, `X.length / n` values a row). */
  predict(X: Float64Array, n: number): Float64Array;
  /**
   * Optional, for models that score a column at a time (lc): scores of rows start … end − 1 of
   * feature columns `cols`, each value taken as (v − mean_j) / scale_j (as it is when `scale` is
   * null). The same numbers as `predict` on those rows made row-major; a row with a missing
   * value gets NaN.
   */
  predictColumns?(cols: Float64Array[], mean: Float64Array, scale: Float64Array | null, start: number, end: number): Float64Array;
}

/** Progress of one fit: an epoch, a boosting round or an optimiser iteration. */
export interface FitProgress {
  done: number;
  total: number;
  unit: string;
  loss?: number;
}

export interface FitContext {
  seed: number;
  isRegression: boolean;
  /** Rows after a row that its label looks into (the config's label_horizon); a held-out slice keeps this far from the rows trained on. */
  labelHorizon: number;
  progress(p: FitProgress): void;
}

/** What an algorithm's fit produces: weight files (by file suffix) and small facts about the fit. */
export interface FitResult {
  weights: Record<string, Uint8Array>;
  info: Record<string, unknown>;
}

/** One algorithm: fit on scaled rows, and turn stored weights back into a predictor. */
export interface Algorithm {
  fit(X: Float64Array, y: Float64Array, n: number, f: number, def: AlgorithmDef, ctx: FitContext): Promise<FitResult>;
  load(weights: Record<string, Uint8Array>, f: number, isRegression: boolean): Promise<Predictor>;
  /** Names and versions of the libraries the fit used, stored in the manifest. */
  libraries(): Record<string, string>;
}

/** A trained model as it travels from a training worker to the model files. */
export interface ModelArtifact {
  scoreColumn: string;
  label: string;
  def: AlgorithmDef;
  features: string[];
  isRegression: boolean;
  scaler: Scaler | null;
  fit: FitResult;
  libraries: Record<string, string>;
  training: TrainingFacts;
}

export interface TrainingFacts {
  rows: number;
  /** Times (epoch ms) of the first and last training rows. */
  start: number;
  end: number;
  /** sha256 of the training rows (features in order, then the label), hex. */
  fingerprint: string;
  /** Share of positive labels (classification) or the label mean (regression). */
  labelMean: number;
  seconds: number;
  /** In-sample metrics of the fitted model. */
  metrics: Record<string, number>;
  /** The base rate and the distribution of the model's scores on its training rows (signals' `calibrate`). */
  calibration: ScoreCalibration;
}

export const textEncoder = new TextEncoder();
export const textDecoder = new TextDecoder();
