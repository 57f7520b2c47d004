import { UserError } from '../shared/errors.ts';
import type { Predictor } from './types.ts';

/**
 * Evaluates an XGBoost model from its JSON form in plain loops, with XGBoost's float32
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
