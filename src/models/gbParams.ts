import { UserError } from '../shared/errors.ts';

/**
 * Maps the original's LightGBM-style `train` keys onto XGBoost parameters, so that the
 * same config trains a comparable model: histogram trees grown leaf-wise (LightGBM's way)
 * with LightGBM's defaults where XGBoost's differ.
 */

export interface XgbSetup {
  params: Record<string, string>;
  rounds: number;
  /** Keys that have no XGBoost counterpart and were ignored. */
  ignored: string[];
}

const ROUNDS = ['num_boost_round', 'num_iterations', 'num_iteration', 'n_iter', 'num_tree', 'num_trees', 'num_round', 'num_rounds', 'nrounds', 'n_estimators'];
const ALIASES: Record<string, string[]> = {
  eta: ['learning_rate', 'shrinkage_rate', 'eta'],
  max_depth: ['max_depth'],
  num_leaves: ['num_leaves', 'num_leaf', 'max_leaves', 'max_leaf'],
  alpha: ['lambda_l1', 'reg_alpha', 'l1_regularization', 'alpha'],
  lambda: ['lambda_l2', 'reg_lambda', 'l2_regularization', 'lambda'],
  min_data_in_leaf: ['min_data_in_leaf', 'min_data_per_leaf', 'min_data', 'min_child_samples', 'min_samples_leaf'],
  min_sum_hessian_in_leaf: ['min_sum_hessian_in_leaf', 'min_sum_hessian_per_leaf', 'min_sum_hessian', 'min_hessian', 'min_child_weight'],
  subsample: ['bagging_fraction', 'sub_row', 'subsample', 'bagging'],
  colsample_bytree: ['feature_fraction', 'sub_feature', 'colsample_bytree'],
  max_bin: ['max_bin', 'max_bins'],
  seed: ['seed', 'random_seed', 'random_state'],
  nthread: ['num_threads', 'num_thread', 'nthread', 'nthreads', 'n_jobs'],
  objective: ['objective', 'objective_type', 'app', 'application', 'loss'],
  is_unbalance: ['is_unbalance', 'unbalance', 'unbalanced_sets'],
  scale_pos_weight: ['scale_pos_weight'],
  boosting: ['boosting', 'boosting_type', 'boost'],
  min_split_gain: ['min_split_gain', 'min_gain_to_split', 'gamma'],
};
/** Keys that only steer LightGBM's logging, metrics or IO. */
const HARMLESS = ['metric', 'metrics', 'metric_types', 'verbose', 'verbosity', 'bagging_freq', 'subsample_freq', 'device_type', 'device', 'force_col_wise', 'force_row_wise', 'deterministic'];

const BINARY = ['binary', 'cross_entropy', 'xentropy', 'binary_logloss', 'binary:logistic'];
const REGRESSION = ['regression', 'regression_l2', 'l2', 'mean_squared_error', 'mse', 'l2_root', 'root_mean_squared_error', 'rmse', 'reg:squarederror'];

function pick(train: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (train[k] !== undefined && train[k] !== null) return train[k];
  return undefined;
}

function numberAt(train: Record<string, unknown>, keys: string[], name: string): number | undefined {
  const v = pick(train, keys);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new UserError(`algorithm ${name}: train.${keys.find((k) => train[k] !== undefined)} must be a number, got ${JSON.stringify(v)}`);
  return x;
}

export function xgboostSetup(
  train: Record<string, unknown>,
  /** positiveShare: the share of positive labels (classification) or the label mean (regression). */
  opts: { name: string; isRegression: boolean; seed: number; positiveShare: number },
): XgbSetup {
  const { name } = opts;
  const known = new Set([...ROUNDS, ...Object.values(ALIASES).flat(), ...HARMLESS]);
  const ignored = Object.keys(train).filter((k) => !known.has(k));

  const objectiveRaw = pick(train, ALIASES.objective!);
  let objective: string;
  if (objectiveRaw === undefined) objective = opts.isRegression ? 'reg:squarederror' : 'binary:logistic';
  else if (BINARY.includes(String(objectiveRaw))) objective = 'binary:logistic';
  else if (REGRESSION.includes(String(objectiveRaw))) objective = 'reg:squarederror';
  else throw new UserError(`algorithm ${name}: train.objective "${String(objectiveRaw)}" is not supported (use binary, cross_entropy or regression)`);
  const binary = objective === 'binary:logistic';

  const boosting = pick(train, ALIASES.boosting!);
  if (boosting !== undefined && !['gbdt', 'gbtree', 'gbm'].includes(String(boosting))) {
    throw new UserError(`algorithm ${name}: train.boosting "${String(boosting)}" is not supported (only gbdt)`);
  }

  const rounds = numberAt(train, ROUNDS, name) ?? 100;
  if (!(rounds >= 1)) throw new UserError(`algorithm ${name}: the number of boosting rounds must be at least 1`);
  const maxDepth = numberAt(train, ALIASES.max_depth!, name) ?? -1;
  const leaves = numberAt(train, ALIASES.num_leaves!, name) ?? 31;
  // LightGBM needs min_data_in_leaf rows in a leaf; XGBoost bounds the hessian sum instead,
  // which is rows × p(1−p) for the logistic loss (at the base rate) and rows for squared error.
  const h = binary ? Math.max(1e-6, opts.positiveShare * (1 - opts.positiveShare)) : 1;
  const minData = numberAt(train, ALIASES.min_data_in_leaf!, name) ?? 20;
  const minHessian = numberAt(train, ALIASES.min_sum_hessian_in_leaf!, name) ?? 1e-3;

  const params: Record<string, string> = {
    objective,
    tree_method: 'hist',
    grow_policy: 'lossguide',
    max_leaves: String(Math.max(2, Math.round(leaves))),
    max_depth: String(maxDepth > 0 ? Math.round(maxDepth) : 0),
    eta: String(numberAt(train, ALIASES.eta!, name) ?? 0.1),
    alpha: String(numberAt(train, ALIASES.alpha!, name) ?? 0),
    lambda: String(numberAt(train, ALIASES.lambda!, name) ?? 0),
    min_child_weight: String(Math.max(minHessian, minData * h)),
    gamma: String(numberAt(train, ALIASES.min_split_gain!, name) ?? 0),
    subsample: String(numberAt(train, ALIASES.subsample!, name) ?? 1),
    colsample_bytree: String(numberAt(train, ALIASES.colsample_bytree!, name) ?? 1),
    max_bin: String(numberAt(train, ALIASES.max_bin!, name) ?? 255),
    seed: String(numberAt(train, ALIASES.seed!, name) ?? opts.seed),
    // One thread unless the config asks for more: XGBoost's OpenMP threads spin while they
    // wait, and on a busy machine two of them ran a round 10× slower than one.
    nthread: String(numberAt(train, ALIASES.nthread!, name) ?? 1),
    verbosity: '0',
    // LightGBM starts from the label average (boost_from_average); XGBoost 1.x starts from 0.5 unless told.
    base_score: String(binary ? Math.min(1 - 1e-6, Math.max(1e-6, opts.positiveShare)) : opts.positiveShare),
  };
  if (Number(params.nthread) <= 0) delete params.nthread; // LightGBM's 0 / −1: all cores
  if (binary) {
    params.eval_metric = 'logloss';
    const spw = numberAt(train, ALIASES.scale_pos_weight!, name);
    if (spw !== undefined) params.scale_pos_weight = String(spw);
    else if (pick(train, ALIASES.is_unbalance!) === true && opts.positiveShare > 0) {
      params.scale_pos_weight = String((1 - opts.positiveShare) / opts.positiveShare);
    }
  } else {
    params.eval_metric = 'rmse';
  }
  return { params, rounds: Math.round(rounds), ignored };
}
