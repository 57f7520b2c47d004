import type { AlgorithmDef, Config } from '../config/schema.ts';
import { UserError } from '../shared/errors.ts';
import type { Frame } from '../core/frame.ts';

/** One entry of `train_feature_sets`, resolved against the config's default lists. */
export interface TrainSet {
  features: string[];
  labels: string[];
  algorithms: AlgorithmDef[];
}

/** The score column of a label × algorithm: `<label>_<name>` (split back at the last `_`). */
export function scoreColumnName(label: string, algorithmName: string): string {
  return `${label}_${algorithmName}`;
}

export function labelOfScoreColumn(scoreColumn: string): string {
  const i = scoreColumn.lastIndexOf('_');
  return i < 0 ? scoreColumn : scoreColumn.slice(0, i);
}

/**
 * The original's get_features_labels_algorithms: an entry's own `columns`/`features`,
 * `labels` and `functions`/`algorithms` win over the config's `train_features`, `labels`
 * and `algorithms`; algorithm names are looked up in `algorithms`. With no entries at all,
 * the config's lists form one set.
 */
export function resolveTrainSets(config: Config): TrainSet[] {
  const entries = config.train_feature_sets.length ? config.train_feature_sets : [{ generator: 'train_features', config: {} }];
  return entries.map((fs, i) => {
    const c = fs.config ?? {};
    const features = (c.columns?.length ? c.columns : c.features?.length ? c.features : config.train_features) ?? [];
    const labels = (c.labels?.length ? c.labels : config.labels) ?? [];
    const listed = c.functions?.length ? c.functions : (c.algorithms ?? []);
    const algorithms = listed.length
      ? listed.map((a) => {
          if (typeof a !== 'string') return a;
          const found = config.algorithms.find((d) => d.name === a);
          if (!found) throw new UserError(`config: train_feature_sets[${i}] names algorithm "${a}", which is not in algorithms (${config.algorithms.map((d) => d.name).join(', ') || 'none'})`);
          return found;
        })
      : config.algorithms;
    if (!features.length) throw new UserError(`config: train_feature_sets[${i}] has no features (set train_features)`);
    if (!labels.length) throw new UserError(`config: train_feature_sets[${i}] has no labels (set labels)`);
    if (!algorithms.length) throw new UserError(`config: train_feature_sets[${i}] has no algorithms (set algorithms)`);
    return { features, labels, algorithms };
  });
}

/** Rows with a value in every named column (the original's dropna(subset=…)). */
export function completeRows(frame: Frame, columns: string[], start = 0, end = frame.length): Int32Array {
  const n = Math.max(0, end - start);
  // a column at a time: each loop reads one array in order
  const missing = new Uint8Array(n);
  for (const c of columns.map((name) => frame.get(name))) {
    for (let i = 0; i < n; i++) if (c[start + i] !== c[start + i]) missing[i] = 1;
  }
  const keep = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (!missing[i]) keep[k++] = start + i;
  return keep.slice(0, k);
}

/** Per label × algorithm: every `every_nth_row`-th complete row, then the last `length` of them. */
export function algorithmRows(rows: Int32Array, def: AlgorithmDef): Int32Array {
  let out = rows;
  const nth = def.params?.every_nth_row;
  if (nth && nth > 1) out = Int32Array.from({ length: Math.ceil(out.length / nth) }, (_, i) => rows[i * nth]!);
  const length = def.params?.length;
  if (length && length < out.length) out = out.slice(out.length - length);
  return out;
}
