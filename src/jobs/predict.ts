import { stageFile } from '../config/load.ts';
import { UserError } from '../shared/errors.ts';
import { loadModelSet } from '../models/modelSet.ts';
import { allLabels, allTrainFeatures, appendPredictionMetrics, PRICE_COLUMNS, predictionTable, readMatrix, takeRows } from '../models/stageData.ts';
import { completeRows } from '../models/trainSets.ts';
import { STAGE_OUTPUT, writeTable } from '../storage/table.ts';
import { applyRowWindow, rowsView, type JobContext } from './context.ts';

/**
 * `itb predict` (the original's predict.py): score matrix.csv's rows that have every train
 * feature with the stored models, write predictions.csv (scores, prices, labels) and
 * append the metrics block to predictions.txt.
 */
export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const models = await loadModelSet(config);
  const features = allTrainFeatures(config);
  const labels = allLabels(config);
  const window = applyRowWindow(await readMatrix(config, [...models.features, ...features, ...labels, ...PRICE_COLUMNS]), config);
  const keep = completeRows(window, features);
  const dropped = window.length - keep.length;
  if (dropped) ctx.log.warn(`${dropped} rows have a missing feature and are left out`);
  if (!keep.length) throw new UserError('no row of the matrix has every train feature, so there is nothing to predict');
  // usually only the first rows lack a feature: the rest is one run of rows, taken as it is
  const oneRun = keep[keep.length - 1]! - keep[0]! === keep.length - 1;
  const matrix = oneRun ? rowsView(window, keep[0]!, keep[0]! + keep.length) : takeRows(window, keep);

  const scores = models.predictFrame(matrix);
  const table = predictionTable(scores, matrix, 0, labels);
  const file = stageFile(config, config.predict_file_name);
  writeTable(file, table, { ...STAGE_OUTPUT, decimals: 6, timeColumn: config.time_column });
  const { lines, notes } = appendPredictionMetrics(file, table, models);
  for (const line of lines) ctx.log.info(line);
  for (const note of notes) ctx.log.warn(note);
  ctx.log.info(`predictions for ${table.length} rows stored in ${file}`);
  return 0;
}
