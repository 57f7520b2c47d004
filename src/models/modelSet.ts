import type { Config } from '../config/schema.ts';
import { modelFolder } from '../config/load.ts';
import { Frame } from '../core/frame.ts';
import type { CalibrationSource } from '../core/signals/calibration.ts';
import { loadModel, type LoadedModel } from './modelFiles.ts';
import { checkOneTraining, settleModelFolder } from './modelSetFolder.ts';
import { resolveTrainSets, scoreColumnName } from './trainSets.ts';

const CHUNK_ROWS = 65_536;

/**
 * All models of a config, ready to score: `predictFrame` for tables, `predictRow` for the
 * service's one new row a minute. Rows with a missing input get NaN, as in the original.
 */
export class ModelSet {
  readonly models: LoadedModel[];
  private readonly rowBuffers: Float64Array[];

  constructor(models: LoadedModel[]) {
    this.models = models;
    this.rowBuffers = models.map((m) => new Float64Array(m.features.length));
  }

  /** Score columns `<label>_<name>`, in train-set, label, algorithm order. */
  get scoreColumns(): string[] {
    return this.models.map((m) => m.scoreColumn);
  }

  /** Every input feature of the models, each once, in first-use order. */
  get features(): string[] {
    return [...new Set(this.models.flatMap((m) => m.features))];
  }

  model(scoreColumn: string): LoadedModel | undefined {
    return this.models.find((m) => m.scoreColumn === scoreColumn);
  }

  /** The training calibration of a score column's model (for the signal generators' `calibrate`). */
  readonly calibration: CalibrationSource = (scoreColumn) => this.model(scoreColumn)?.manifest.calibration;

  /** Scores of rows [start, end) of `frame` (all rows by default) as a frame of score columns. */
  predictFrame(frame: Frame, rows: { start?: number; end?: number } = {}): Frame {
    const start = Math.max(0, rows.start ?? 0);
    const end = Math.min(frame.length, rows.end ?? frame.length);
    const out = new Frame(frame.time.slice(start, Math.max(start, end)));
    for (const m of this.models) out.set(m.scoreColumn, scoreRows(m, frame, start, end));
    return out;
  }

  /** Scores of one row given its feature values by name (missing or NaN features give NaN). */
  predictRow(values: Record<string, number> | Map<string, number>): Record<string, number> {
    const get = values instanceof Map ? (k: string) => values.get(k) : (k: string) => values[k];
    const out: Record<string, number> = {};
    this.models.forEach((m, mi) => {
      const x = this.rowBuffers[mi]!;
      let complete = true;
      for (let j = 0; j < m.features.length; j++) {
        const v = get(m.features[j]!);
        if (v === undefined || Number.isNaN(v)) complete = false;
        x[j] = v ?? NaN;
      }
      if (!complete) {
        out[m.scoreColumn] = NaN;
        return;
      }
      if (m.scaler) for (let j = 0; j < x.length; j++) x[j] = (x[j]! - m.scaler.mean[j]!) / m.scaler.scale[j]!;
      out[m.scoreColumn] = m.predictor.predict(x, 1)[0]!;
    });
    return out;
  }
}

function scoreRows(m: LoadedModel, frame: Frame, start: number, end: number): Float64Array {
  const f = m.features.length;
  const cols = m.features.map((name) => frame.get(name));
  const mean = Float64Array.from(m.scaler?.mean ?? new Array<number>(f).fill(0));
  const scale = Float64Array.from(m.scaler?.scale ?? new Array<number>(f).fill(1));
  const scaled = m.scaler !== null;
  if (m.predictor.predictColumns) return m.predictor.predictColumns(cols, mean, scaled ? scale : null, start, end);
  const out = new Float64Array(Math.max(0, end - start)).fill(NaN);
  const X = new Float64Array(Math.min(CHUNK_ROWS, out.length) * f);
  const where = new Int32Array(Math.min(CHUNK_ROWS, out.length));
  for (let c0 = start; c0 < end; c0 += CHUNK_ROWS) {
    const c1 = Math.min(end, c0 + CHUNK_ROWS);
    // column by column into the chunk's rows; a row with a missing value is dropped after
    const n = c1 - c0;
    for (let j = 0; j < f; j++) {
      const col = cols[j]!;
      const mj = mean[j]!;
      const sj = scale[j]!;
      if (scaled) for (let r = 0; r < n; r++) X[r * f + j] = (col[c0 + r]! - mj) / sj;
      else for (let r = 0; r < n; r++) X[r * f + j] = col[c0 + r]!;
    }
    let k = 0;
    rows: for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) if (X[r * f + j] !== X[r * f + j]) continue rows;
      if (k !== r) X.copyWithin(k * f, r * f, r * f + f);
      where[k++] = c0 + r - start;
    }
    if (!k) continue;
    const scores = m.predictor.predict(X.subarray(0, k * f), k);
    for (let r = 0; r < k; r++) out[where[r]!] = scores[r]!;
  }
  return out;
}

/**
 * Loads every label × algorithm model of the config's train sets from its model folder (after
 * finishing or cleaning up what a stopped training left), all of one training.
 */
export async function loadModelSet(config: Config, folder: string = modelFolder(config)): Promise<ModelSet> {
  settleModelFolder(folder);
  const models: LoadedModel[] = [];
  for (const set of resolveTrainSets(config)) {
    for (const label of set.labels) {
      for (const def of set.algorithms) {
        models.push(await loadModel(folder, scoreColumnName(label, def.name), { features: set.features, def }));
      }
    }
  }
  checkOneTraining(folder, models.map((m) => m.manifest));
  return new ModelSet(models);
}

/** True when a signal_sets entry reads scores through the models' calibration (`calibrate`). */
export function signalsUseCalibration(config: Config): boolean {
  return config.signal_sets.some((d) => {
    const c = (d.config ?? {}) as Record<string, unknown>;
    return c.calibrate !== undefined && c.calibrate !== null && c.calibrate !== 'none';
  });
}

/**
 * The calibration source of offline signal runs (`itb signals`, backtests): the models of the
 * config's model folder, loaded only when a signal set asks for calibration. After a
 * walk-forward run with several steps they are the last step's models.
 */
export async function signalCalibration(config: Config): Promise<CalibrationSource | undefined> {
  return signalsUseCalibration(config) ? (await loadModelSet(config)).calibration : undefined;
}
