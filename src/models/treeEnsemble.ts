import { UserError } from '../core/errors.ts';
import type { GbdtModel } from './gbdt.ts';
import type { Predictor } from './types.ts';

/**
 * The `gb` model file: XGBoost's JSON model layout, written by both engines (ours below,
 * XGBoost's own through its library). Evaluated here in plain loops with XGBoost's float32
 * comparisons: prediction needs no native library, so `gb` models score anywhere.
 */

/**
 * All trees in flat arrays (node ids are global): one pass over a row walks every tree
 * without touching an object, which keeps 1500 trees × 500k rows to a couple of seconds.
 */
interface FlatTrees {
  roots: Int32Array;
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  /** Split threshold at inner nodes, leaf value at leaves (float32 values). */
  value: Float32Array;
  defaultLeft: Uint8Array;
}

export class TreeEnsemble implements Predictor {
  constructor(
    private readonly trees: FlatTrees,
    private readonly baseMargin: number,
    private readonly logistic: boolean,
    readonly numFeatures: number,
  ) {}

  predict(X: Float64Array, n: number): Float64Array {
    const f = this.numFeatures;
    const { roots, left, right, feature, value, defaultLeft } = this.trees;
    const out = new Float64Array(n);
    const row = new Float32Array(f);
    const nt = roots.length;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) row[j] = X[r * f + j]!;
      let sum = 0;
      for (let t = 0; t < nt; t++) {
        let node = roots[t]!;
        let l = left[node]!;
        while (l !== -1) {
          const v = row[feature[node]!]!;
          // NaN fails both comparisons: it follows the learned default direction
          node = v < value[node]! ? l : v >= value[node]! ? right[node]! : defaultLeft[node] ? l : right[node]!;
          l = left[node]!;
        }
        sum = Math.fround(sum + value[node]!);
      }
      const margin = Math.fround(sum + this.baseMargin);
      out[r] = this.logistic ? 1 / (1 + Math.exp(-margin)) : margin;
    }
    return out;
  }
}

type Json = Record<string, any>;

export function treeEnsembleFromXgboostJson(text: string): TreeEnsemble {
  let model: Json;
  try {
    model = JSON.parse(text) as Json;
  } catch {
    throw new UserError('the gb weights file is not valid XGBoost JSON');
  }
  const learner = model.learner as Json | undefined;
  const booster = learner?.gradient_booster as Json | undefined;
  if (!learner || booster?.name !== 'gbtree') throw new UserError('the gb weights file is not an XGBoost gbtree model');
  const objective = String((learner.objective as Json)?.name);
  if (objective !== 'binary:logistic' && objective !== 'reg:squarederror') throw new UserError(`the gb model's objective ${objective} is not supported`);
  const logistic = objective === 'binary:logistic';
  const baseScore = Number((learner.learner_model_param as Json).base_score);
  const baseMargin = logistic ? Math.log(baseScore / (1 - baseScore)) : baseScore;
  const numFeatures = Number((learner.learner_model_param as Json).num_feature);
  const list = (booster.model as Json).trees as Json[];
  const total = list.reduce((k, t) => k + (t.left_children as number[]).length, 0);
  const trees: FlatTrees = {
    roots: new Int32Array(list.length),
    left: new Int32Array(total),
    right: new Int32Array(total),
    feature: new Int32Array(total),
    value: new Float32Array(total),
    defaultLeft: new Uint8Array(total),
  };
  let base = 0;
  list.forEach((t, ti) => {
    const left = t.left_children as number[];
    trees.roots[ti] = base;
    for (let i = 0; i < left.length; i++) {
      const isLeaf = left[i] === -1;
      trees.left[base + i] = isLeaf ? -1 : left[i]! + base;
      trees.right[base + i] = isLeaf ? -1 : (t.right_children as number[])[i]! + base;
      trees.feature[base + i] = (t.split_indices as number[])[i]!;
      trees.value[base + i] = (t.split_conditions as number[])[i]!;
      trees.defaultLeft[base + i] = (t.default_left as number[])[i]!;
    }
    base += left.length;
  });
  return new TreeEnsemble(trees, Math.fround(baseMargin), logistic, numFeatures);
}

/** The shortest decimal that reads back as the same float32 as x. */
function float32Text(x: number): string {
  const v = Math.fround(x);
  let text = String(v);
  for (let p = 6; p < 9; p++) {
    const t = v.toPrecision(p);
    if (Math.fround(Number(t)) === v) {
      text = String(Number(t));
      break;
    }
  }
  // XGBoost's JSON reader tells floats from integers by a decimal point or an exponent.
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const FLOATS = '@float32@';
/** A float array for JSON.stringify; written unquoted by `stringifyModel`. */
const floats = (values: ArrayLike<number>) => FLOATS + `[${Array.from(values, float32Text).join(',')}]`;
const stringifyModel = (model: unknown) => JSON.stringify(model).replace(new RegExp(`"${FLOATS}(\\[[^"]*\\])"`, 'g'), '$1');

/** A model of our GBDT in XGBoost's JSON layout (the one XGBoost 1.7 writes). */
export function xgboostJsonOfGbdt(model: GbdtModel): string {
  const binary = model.objective === 'binary';
  const base = binary ? 1 / (1 + Math.exp(-model.initScore)) : model.initScore;
  const nf = String(model.numFeatures);
  const trees = model.trees.map((t, id) => {
    const m = t.left.length;
    const inner = (k: number) => t.left[k]! >= 0;
    return {
      base_weights: floats(t.value),
      categories: [],
      categories_nodes: [],
      categories_segments: [],
      categories_sizes: [],
      default_left: Array.from(t.defaultLeft),
      id,
      left_children: Array.from(t.left),
      loss_changes: floats(t.gain),
      parents: Array.from(t.parent, (p) => (p < 0 ? 2147483647 : p)),
      right_children: Array.from(t.right),
      split_conditions: floats(Array.from({ length: m }, (_, k) => (inner(k) ? t.threshold[k]! : t.value[k]!))),
      split_indices: Array.from({ length: m }, (_, k) => (inner(k) ? t.feature[k]! : 0)),
      split_type: new Array<number>(m).fill(0),
      sum_hessian: floats(t.hessian),
      tree_param: { num_deleted: '0', num_feature: nf, num_nodes: String(m), size_leaf_vector: '0' },
    };
  });
  return stringifyModel({
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        model: { gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length), size_leaf_vector: '0' }, tree_info: trees.map(() => 0), trees },
        name: 'gbtree',
      },
      // base_score as a float32, as XGBoost keeps it (its reader falls back to 0.5 on longer texts)
      learner_model_param: { base_score: float32Text(base), boost_from_average: '0', num_class: '0', num_feature: nf, num_target: '1' },
      objective: { name: binary ? 'binary:logistic' : 'reg:squarederror', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 0],
  });
}
