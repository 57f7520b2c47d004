import { UserError } from '../core/errors.ts';
import type { Predictor } from './types.ts';

/**
 * Evaluates an XGBoost model from its JSON form in plain loops, with XGBoost's float32
 * comparisons: prediction needs no native library, so `gb` models score anywhere.
 */

interface Tree {
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  /** Split threshold at inner nodes, leaf value at leaves (float32 values). */
  value: Float32Array;
  defaultLeft: Uint8Array;
}

export class TreeEnsemble implements Predictor {
  constructor(
    private readonly trees: Tree[],
    private readonly baseMargin: number,
    private readonly logistic: boolean,
    readonly numFeatures: number,
  ) {}

  predict(X: Float64Array, n: number): Float64Array {
    const f = this.numFeatures;
    const out = new Float64Array(n);
    const row = new Float32Array(f);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) row[j] = X[r * f + j]!;
      let sum = 0;
      for (const t of this.trees) {
        let node = 0;
        while (t.left[node] !== -1) {
          const v = row[t.feature[node]!]!;
          if (Number.isNaN(v)) node = t.defaultLeft[node] ? t.left[node]! : t.right[node]!;
          else node = v < t.value[node]! ? t.left[node]! : t.right[node]!;
        }
        sum = Math.fround(sum + t.value[node]!);
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
  const trees: Tree[] = ((booster.model as Json).trees as Json[]).map((t) => ({
    left: Int32Array.from(t.left_children as number[]),
    right: Int32Array.from(t.right_children as number[]),
    feature: Int32Array.from(t.split_indices as number[]),
    value: Float32Array.from(t.split_conditions as number[]),
    defaultLeft: Uint8Array.from(t.default_left as number[]),
  }));
  return new TreeEnsemble(trees, Math.fround(baseMargin), logistic, numFeatures);
}
