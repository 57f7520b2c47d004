import { stageFile } from '../config/load.ts';
import { Frame } from '../core/frame.ts';
import { formatTime } from '../core/time.ts';
import type { ModelSet } from '../models/modelSet.ts';
import { allLabels, allTrainFeatures, appendPredictionMetrics, PRICE_COLUMNS, predictionTable, readMatrix } from '../models/stageData.ts';
import { trainAll } from '../models/trainAll.ts';
import { rowOfBound, truncateRows, walkForwardPlan } from '../models/walkForward.ts';
import { STAGE_OUTPUT, writeTable } from '../storage/table.ts';
import { rowsView, type JobContext } from './context.ts';

/**
 * `itb predict-rolling` (the original's predict_rolling.py): walk-forward backtest of the
 * models. Each step trains on the rows before its prediction slice, minus a label_horizon
 * gap, overwrites the model files, and scores the slice; predictions.csv holds the slices.
 */
export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const rp = config.rolling_predict;
  const matrix = truncateRows(await readMatrix(config, [...allTrainFeatures(config), ...allLabels(config), ...PRICE_COLUMNS]), rp.data_start, rp.data_end);
  const startRow = rp.prediction_start === null || rp.prediction_start === undefined ? undefined : rowOfBound(matrix, rp.prediction_start, 'prediction_start');
  const plan = walkForwardPlan(matrix.length, { ...rp, startRow }, config.label_horizon, config.train_length);
  const labels = allLabels(config);
  // The original parallelises over train sets only with use_multiprocessing; models here train in parallel anyway.
  const concurrency = rp.use_multiprocessing && rp.max_workers ? rp.max_workers : undefined;

  const parts: Frame[] = [];
  let models: ModelSet | undefined;
  for (const [k, step] of plan.entries()) {
    ctx.log.info(
      `step ${k + 1}/${plan.length}: train rows ${step.trainStart}…${step.trainEnd - 1} (${formatTime(matrix.time[step.trainStart]!)} … ${formatTime(matrix.time[step.trainEnd - 1]!)}), predict ${formatTime(matrix.time[step.predictStart]!)} … ${formatTime(matrix.time[step.predictEnd - 1]!)}`,
    );
    models = await trainAll(config, rowsView(matrix, step.trainStart, step.trainEnd), { progress: ctx.progress, signal: ctx.signal, concurrency });
    const scores = models.predictFrame(matrix, { start: step.predictStart, end: step.predictEnd });
    parts.push(predictionTable(scores, matrix, step.predictStart, labels));
    ctx.progress({ stage: 'predict-rolling', done: k + 1, total: plan.length, unit: 'steps' });
  }
  const table = concat(parts);
  const file = stageFile(config, config.predict_file_name);
  writeTable(file, table, { ...STAGE_OUTPUT, decimals: 6, timeColumn: config.time_column });
  const { lines, notes } = appendPredictionMetrics(file, table, models!);
  for (const line of lines) ctx.log.info(line);
  for (const note of notes) ctx.log.warn(note);
  ctx.log.info(`walk-forward predictions for ${table.length} rows stored in ${file}`);
  return 0;
}

function concat(parts: Frame[]): Frame {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const time = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    time.set(p.time, at);
    at += p.length;
  }
  const out = new Frame(time);
  for (const c of parts[0]!.columnNames()) {
    const col = new Float64Array(n);
    at = 0;
    for (const p of parts) {
      col.set(p.get(c), at);
      at += p.length;
    }
    out.set(c, col, parts[0]!.kind(c));
  }
  return out;
}
