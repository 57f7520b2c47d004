import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { stageFile } from '../config/load.ts';
import { UserError } from '../shared/errors.ts';
import { Frame } from '../core/frame.ts';
import { resolveDataFile } from '../storage/csv.ts';
import { readTable } from '../storage/table.ts';
import { appendText } from '../storage/atomic.ts';
import { formatScoreLine, scoreAgainstLabel } from './metrics.ts';
import type { ModelSet } from './modelSet.ts';
import { labelOfScoreColumn, resolveTrainSets } from './trainSets.ts';

/** Columns copied next to the scores in predictions.csv, when present. */
export const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume', 'close_time'];

/** Reads matrix.csv (the labels stage's output) of the config's symbol folder; `only`: just those of these columns. */
export async function readMatrix(config: Config, only?: string[]): Promise<Frame> {
  const file = stageFile(config, config.matrix_file_name);
  const found = resolveDataFile(file);
  if (!fs.existsSync(found)) throw new UserError(`the matrix file ${file} does not exist: run \`itb features\` and \`itb labels\` first`);
  return readTable(found, { timeColumn: config.time_column, only });
}

/** Every train feature of the config's train sets, each once. */
export function allTrainFeatures(config: Config): string[] {
  return [...new Set(resolveTrainSets(config).flatMap((s) => s.features))];
}

export function allLabels(config: Config): string[] {
  return [...new Set(resolveTrainSets(config).flatMap((s) => s.labels))];
}

/**
 * predictions.csv's table: the score columns, then prices and (when all are present) the labels,
 * as views of the scores' and the source's arrays (the table is written, not changed).
 */
export function predictionTable(scores: Frame, source: Frame, sourceStart: number, labels: string[]): Frame {
  const out = new Frame(scores.time);
  for (const c of scores.columnNames()) out.set(c, scores.get(c));
  const n = scores.length;
  const copy = (c: string) => out.set(c, source.get(c).subarray(sourceStart, sourceStart + n), source.kind(c));
  for (const c of PRICE_COLUMNS) if (source.has(c)) copy(c);
  if (labels.every((l) => source.has(l))) for (const l of labels) copy(l);
  return out;
}

/** The side file of an output: predictions.csv → predictions.txt. */
export function sideFile(file: string): string {
  const ext = path.extname(file.replace(/\.gz$/, ''));
  return file.replace(/\.gz$/, '').slice(0, ext ? -ext.length : undefined) + '.txt';
}

/**
 * Appends one block of metric lines (auc ap f1 precision recall, or mae mape r2 …) to
 * predictions.txt. Returns the lines, and a note for each label that has one class only in
 * these rows (its metrics are then 0, as the original writes them, which says nothing of the model).
 */
export function appendPredictionMetrics(file: string, table: Frame, models: ModelSet): { lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes = new Set<string>();
  for (const m of models.models) {
    const label = labelOfScoreColumn(m.scoreColumn);
    if (!table.has(label) || !table.has(m.scoreColumn)) continue;
    lines.push(formatScoreLine(m.scoreColumn, scoreAgainstLabel(table.get(label), table.get(m.scoreColumn), m.manifest.is_regression)));
    if (!m.manifest.is_regression) {
      let pos = 0;
      let known = 0;
      for (const v of table.get(label)) {
        if (v !== v) continue;
        known++;
        if (v > 0.5) pos++;
      }
      if (known && (pos === 0 || pos === known)) {
        notes.add(`${label}: all ${known} labelled rows are ${pos ? 1 : 0}, so its AUC and AP are written as 0 (there is nothing to rank); more rows, or "train": true, give a meaningful figure`);
      }
    }
  }
  if (lines.length) appendText(sideFile(file), lines.join('\n') + '\n\n');
  return { lines, notes: [...notes] };
}

/** The given rows of a frame, as a new frame. */
export function takeRows(frame: Frame, rows: Int32Array): Frame {
  // runs of consecutive rows (most of them: only the first rows lack a feature) are block copies
  const runs: number[] = [];
  for (let k = 0; k < rows.length; ) {
    let j = k + 1;
    while (j < rows.length && rows[j] === rows[j - 1]! + 1) j++;
    runs.push(rows[k]!, j - k);
    k = j;
  }
  const pick = (src: Float64Array) => {
    const out = new Float64Array(rows.length);
    for (let r = 0, at = 0; r < runs.length; r += 2) {
      out.set(src.subarray(runs[r]!, runs[r]! + runs[r + 1]!), at);
      at += runs[r + 1]!;
    }
    return out;
  };
  const out = new Frame(pick(frame.time));
  for (const c of frame.columnNames()) out.set(c, pick(frame.get(c)), frame.kind(c));
  return out;
}
