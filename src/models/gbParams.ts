import { UserError } from '../shared/errors.ts';

/**
 * The original's LightGBM-style `train` keys (with LightGBM's aliases and defaults), read once
 * into one settings object that both engines use: our own histogram GBDT (gbdt.ts, the
 * default) and, with `"engine": "xgboost"`, XGBoost through the system library.
 */

export type GbEngine = 'js' | 'xgboost';
export type GbObjective = 'binary' | 'regression';
export type GbMetric = 'binary_logloss' | 'auc' | 'l2' | 'rmse';

export interface GbSettings {
  engine: GbEngine;
  objective: GbObjective;
  rounds: number;
  learningRate: number;
  /** Depth limit of a tree; 0 or less: none. */
  maxDepth: number;
  numLeaves: number;
  lambdaL1: number;
  lambdaL2: number;
  minDataInLeaf: number;
  minSumHessianInLeaf: number;
  minGainToSplit: number;
  /** Value bins per feature (missing values get one more). */
  maxBin: number;
  minDataInBin: number;
  /** Rows sampled to find the bin boundaries. */
  binSampleRows: number;
  /** Share of rows drawn afresh every `baggingFreq` rounds (0: no bagging). */
  baggingFraction: number;
  baggingFreq: number;
  /** Share of features a tree may split on. */
  featureFraction: number;
  isUnbalance: boolean;
  scalePosWeight: number;
  boostFromAverage: boolean;
  /** Stop when the validation metric has not improved for this many rounds (0: never). */
  earlyStoppingRounds: number;
  /** Share of the training rows, the latest ones, held out for early stopping. */
  validationFraction: number;
  /**
   * Rows left out between the rows trained on and the held-out ones: the label horizon, so that no
   * training row's label looks into the rows that decide when to stop.
   */
  validationGap: number;
  metric: GbMetric;
  seed: number;
  /** Threads of the XGBoost engine (0: all cores). */
  threads: number;
  /** Keys of `train` neither engine reads. */
  ignored: string[];
}

const ROUNDS = ['num_boost_round', 'num_iterations', 'num_iteration', 'n_iter', 'num_tree', 'num_trees', 'num_round', 'num_rounds', 'nrounds', 'n_estimators'];
const ALIASES = {
  engine: ['engine'],
  learning_rate: ['learning_rate', 'shrinkage_rate', 'eta'],
  max_depth: ['max_depth'],
  num_leaves: ['num_leaves', 'num_leaf', 'max_leaves', 'max_leaf'],
  lambda_l1: ['lambda_l1', 'reg_alpha', 'l1_regularization', 'alpha'],
  lambda_l2: ['lambda_l2', 'reg_lambda', 'l2_regularization', 'lambda'],
  min_data_in_leaf: ['min_data_in_leaf', 'min_data_per_leaf', 'min_data', 'min_child_samples', 'min_samples_leaf'],
  min_sum_hessian_in_leaf: ['min_sum_hessian_in_leaf', 'min_sum_hessian_per_leaf', 'min_sum_hessian', 'min_hessian', 'min_child_weight'],
  min_gain_to_split: ['min_gain_to_split', 'min_split_gain', 'gamma'],
  bagging_fraction: ['bagging_fraction', 'sub_row', 'subsample', 'bagging'],
  bagging_freq: ['bagging_freq', 'subsample_freq'],
  feature_fraction: ['feature_fraction', 'sub_feature', 'colsample_bytree'],
  max_bin: ['max_bin', 'max_bins'],
  min_data_in_bin: ['min_data_in_bin'],
  bin_construct_sample_cnt: ['bin_construct_sample_cnt', 'subsample_for_bin'],
  seed: ['seed', 'random_seed', 'random_state'],
  num_threads: ['num_threads', 'num_thread', 'nthread', 'nthreads', 'n_jobs'],
  objective: ['objective', 'objective_type', 'app', 'application', 'loss'],
  is_unbalance: ['is_unbalance', 'unbalance', 'unbalanced_sets'],
  scale_pos_weight: ['scale_pos_weight'],
  boost_from_average: ['boost_from_average'],
  boosting: ['boosting', 'boosting_type', 'boost'],
  early_stopping_round: ['early_stopping_round', 'early_stopping_rounds', 'early_stopping', 'n_iter_no_change'],
  validation_fraction: ['validation_fraction'],
  metric: ['metric', 'metrics', 'metric_types'],
} satisfies Record<string, string[]>;
/** Keys that only steer LightGBM's logging or IO. */
const HARMLESS = ['verbose', 'verbosity', 'device_type', 'device', 'force_col_wise', 'force_row_wise', 'deterministic', 'first_metric_only'];

const BINARY = ['binary', 'cross_entropy', 'xentropy', 'binary_logloss', 'binary:logistic'];
const REGRESSION = ['regression', 'regression_l2', 'l2', 'mean_squared_error', 'mse', 'l2_root', 'root_mean_squared_error', 'rmse', 'reg:squarederror'];
const METRICS: Record<string, GbMetric> = {
  binary_logloss: 'binary_logloss',
  binary: 'binary_logloss',
  cross_entropy: 'binary_logloss',
  xentropy: 'binary_logloss',
  logloss: 'binary_logloss',
  auc: 'auc',
  l2: 'l2',
  mse: 'l2',
  mean_squared_error: 'l2',
  regression: 'l2',
  rmse: 'rmse',
  l2_root: 'rmse',
  root_mean_squared_error: 'rmse',
};

type Key = keyof typeof ALIASES;

/** Reads the `train` keys of algorithm `name`; a bad value is one sentence naming the key. */
export function gbSettings(train: Record<string, unknown>, opts: { name: string; isRegression: boolean; seed: number; labelHorizon?: number }): GbSettings {
  const { name } = opts;
  const given = (keys: string[]) => keys.find((k) => train[k] !== undefined && train[k] !== null);
  const pick = (key: Key): unknown => {
    const k = given(ALIASES[key]);
    return k === undefined ? undefined : train[k];
  };
  const num = (keys: string[], fallback: number, valid: (x: number) => boolean, what: string): number => {
    const k = given(keys);
    if (k === undefined) return fallback;
    const x = Number(train[k]);
    if (typeof train[k] === 'boolean' || !Number.isFinite(x) || !valid(x)) throw new UserError(`algorithm ${name}: train.${k} must be ${what}, got ${JSON.stringify(train[k])}`);
    return x;
  };
  const flag = (key: Key, fallback: boolean): boolean => {
    const v = pick(key);
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new UserError(`algorithm ${name}: train.${given(ALIASES[key])} must be true or false, got ${JSON.stringify(v)}`);
  };
  const any = () => true;
  const nonNegative = (x: number) => x >= 0;
  const fraction = (x: number) => x > 0 && x <= 1;
  const whole = (x: number) => Number.isInteger(x);

  const known = new Set([...ROUNDS, ...Object.values(ALIASES).flat(), ...HARMLESS]);
  const ignored = Object.keys(train).filter((k) => !known.has(k));

  const engineRaw = pick('engine') ?? 'js';
  if (engineRaw !== 'js' && engineRaw !== 'xgboost') throw new UserError(`algorithm ${name}: train.engine must be "js" or "xgboost", got ${JSON.stringify(engineRaw)}`);

  const objectiveRaw = pick('objective');
  let objective: GbObjective;
  if (objectiveRaw === undefined) objective = opts.isRegression ? 'regression' : 'binary';
  else if (BINARY.includes(String(objectiveRaw))) objective = 'binary';
  else if (REGRESSION.includes(String(objectiveRaw))) objective = 'regression';
  else throw new UserError(`algorithm ${name}: train.objective "${String(objectiveRaw)}" is not supported (use binary, cross_entropy or regression)`);

  const boosting = pick('boosting');
  if (boosting !== undefined && !['gbdt', 'gbtree', 'gbm'].includes(String(boosting))) {
    throw new UserError(`algorithm ${name}: train.boosting "${String(boosting)}" is not supported (only gbdt)`);
  }

  // LightGBM takes the first of a list of metrics for early stopping (first_metric_only).
  const metricRaw = pick('metric');
  const metricName = Array.isArray(metricRaw) ? metricRaw[0] : typeof metricRaw === 'string' ? metricRaw.split(',')[0]!.trim() : metricRaw;
  let metric: GbMetric = objective === 'binary' ? 'binary_logloss' : 'l2';
  if (metricName !== undefined && metricName !== '' && metricName !== 'None') {
    const m = METRICS[String(metricName)];
    if (!m) throw new UserError(`algorithm ${name}: train.metric "${String(metricName)}" is not supported (use binary_logloss, auc, l2 or rmse)`);
    if ((objective === 'binary') !== (m === 'binary_logloss' || m === 'auc')) throw new UserError(`algorithm ${name}: train.metric "${String(metricName)}" does not fit the ${objective} objective`);
    metric = m;
  }

  const isUnbalance = flag('is_unbalance', false);
  const scalePosWeight = num(ALIASES.scale_pos_weight, 1, (x) => x > 0, 'a positive number');
  if (isUnbalance && scalePosWeight !== 1) throw new UserError(`algorithm ${name}: train.is_unbalance and train.scale_pos_weight cannot be set together`);

  const earlyStoppingRounds = num(ALIASES.early_stopping_round, 0, (x) => whole(x) && x >= 0, 'a whole number ≥ 0');
  return {
    engine: engineRaw,
    objective,
    rounds: num(ROUNDS, 100, (x) => whole(x) && x >= 1, 'a whole number ≥ 1'),
    learningRate: num(ALIASES.learning_rate, 0.1, (x) => x > 0, 'a positive number'),
    maxDepth: num(ALIASES.max_depth, -1, whole, 'a whole number'),
    numLeaves: num(ALIASES.num_leaves, 31, (x) => whole(x) && x >= 2, 'a whole number ≥ 2'),
    lambdaL1: num(ALIASES.lambda_l1, 0, nonNegative, 'a number ≥ 0'),
    lambdaL2: num(ALIASES.lambda_l2, 0, nonNegative, 'a number ≥ 0'),
    minDataInLeaf: num(ALIASES.min_data_in_leaf, 20, (x) => whole(x) && x >= 0, 'a whole number ≥ 0'),
    minSumHessianInLeaf: num(ALIASES.min_sum_hessian_in_leaf, 1e-3, nonNegative, 'a number ≥ 0'),
    minGainToSplit: num(ALIASES.min_gain_to_split, 0, nonNegative, 'a number ≥ 0'),
    maxBin: num(ALIASES.max_bin, 255, (x) => whole(x) && x >= 2 && x <= 255, 'a whole number from 2 to 255'),
    minDataInBin: num(ALIASES.min_data_in_bin, 3, (x) => whole(x) && x >= 1, 'a whole number ≥ 1'),
    binSampleRows: num(ALIASES.bin_construct_sample_cnt, 200_000, (x) => whole(x) && x >= 1, 'a whole number ≥ 1'),
    baggingFraction: num(ALIASES.bagging_fraction, 1, fraction, 'a number in (0, 1]'),
    baggingFreq: num(ALIASES.bagging_freq, 0, (x) => whole(x) && x >= 0, 'a whole number ≥ 0'),
    featureFraction: num(ALIASES.feature_fraction, 1, fraction, 'a number in (0, 1]'),
    isUnbalance,
    scalePosWeight,
    boostFromAverage: flag('boost_from_average', true),
    earlyStoppingRounds,
    validationFraction: num(ALIASES.validation_fraction, earlyStoppingRounds > 0 ? 0.1 : 0, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
    validationGap: opts.labelHorizon ?? 0,
    metric,
    seed: num(ALIASES.seed, opts.seed, whole, 'a whole number'),
    threads: num(ALIASES.num_threads, 1, any, 'a number'),
    ignored,
  };
}

/** Whether an algorithm definition trains through the XGBoost library. */
export function usesXgboost(def: { algo: string; train?: Record<string, unknown> | null }): boolean {
  return def.algo === 'gb' && def.train?.engine === 'xgboost';
}

export interface XgbSetup {
  params: Record<string, string>;
  rounds: number;
}

/**
 * The settings as XGBoost parameters: histogram trees grown leaf-wise (LightGBM's way).
 * positiveShare: the share of positive labels (classification) or the label mean (regression).
 */
export function xgboostSetup(s: GbSettings, positiveShare: number): XgbSetup {
  const binary = s.objective === 'binary';
  // LightGBM needs min_data_in_leaf rows in a leaf; XGBoost bounds the hessian sum instead,
  // which is rows × p(1−p) for the logistic loss (at the base rate) and rows for squared error.
  const h = binary ? Math.max(1e-6, positiveShare * (1 - positiveShare)) : 1;
  const base = binary ? Math.min(1 - 1e-6, Math.max(1e-6, positiveShare)) : positiveShare;
  const params: Record<string, string> = {
    objective: binary ? 'binary:logistic' : 'reg:squarederror',
    tree_method: 'hist',
    grow_policy: 'lossguide',
    max_leaves: String(s.numLeaves),
    max_depth: String(s.maxDepth > 0 ? s.maxDepth : 0),
    eta: String(s.learningRate),
    alpha: String(s.lambdaL1),
    lambda: String(s.lambdaL2),
    min_child_weight: String(Math.max(s.minSumHessianInLeaf, s.minDataInLeaf * h)),
    gamma: String(s.minGainToSplit),
    subsample: String(s.baggingFreq > 0 ? s.baggingFraction : 1),
    colsample_bytree: String(s.featureFraction),
    max_bin: String(s.maxBin),
    seed: String(s.seed),
    // One thread unless the config asks for more: XGBoost's OpenMP threads spin while they
    // wait, and on a busy machine two of them ran a round 10× slower than one.
    nthread: String(s.threads),
    verbosity: '0',
    // LightGBM starts from the label average (boost_from_average); XGBoost 1.x starts from 0.5 unless told.
    base_score: String(s.boostFromAverage ? base : binary ? 0.5 : 0),
    eval_metric: binary ? 'logloss' : 'rmse',
  };
  if (s.threads <= 0) delete params.nthread; // LightGBM's 0 / −1: all cores
  if (binary && s.scalePosWeight !== 1) params.scale_pos_weight = String(s.scalePosWeight);
  else if (binary && s.isUnbalance && positiveShare > 0 && positiveShare < 1) {
    params.scale_pos_weight = String((1 - positiveShare) / positiveShare);
  }
  return { params, rounds: s.rounds };
}
