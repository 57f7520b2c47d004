import path from 'node:path';
import { modelFolder } from '../config/load.ts';
import { UserError } from '../shared/errors.ts';
import type { Frame } from '../core/frame.ts';
import { formatTime } from '../core/time.ts';
import { formatScoreLine } from '../models/metrics.ts';
import { allLabels, allTrainFeatures, readMatrix } from '../models/stageData.ts';
import { prepareTraining, trainPrepared } from '../models/trainAll.ts';
import { appendText } from '../storage/atomic.ts';
import { applyRowWindow, rowsView, type JobContext } from './context.ts';

/**
 * `itb train` (the original's train.py): from matrix.csv drop the last label_horizon rows
 * (their labels look past the data), keep the last train_length rows, then train every
 * label × algorithm and write MODELS/. In-sample metrics go to MODELS/training.txt.
 */
export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const features = allTrainFeatures(config);
  const labels = allLabels(config);
  let matrix: Frame | undefined = applyRowWindow(await readMatrix(config, [...features, ...labels]), config);
  for (const c of [...features, ...labels]) matrix.get(c);
  const end = Math.max(0, matrix.length - config.label_horizon);
  matrix = rowsView(matrix, config.train_length ? Math.max(0, end - config.train_length) : 0, end);
  if (!matrix.length) throw new UserError(`no rows left to train on after dropping the last label_horizon (${config.label_horizon}) rows`);
  ctx.log.info(`training on ${matrix.length} rows ${formatTime(matrix.time[0]!)} … ${formatTime(matrix.time[matrix.length - 1]!)}`);

  const jobs = await prepareTraining(config, matrix);
  matrix = undefined; // while the models fit, only their arrays are held, not the table as well
  const models = await trainPrepared(config, jobs, { progress: ctx.progress, signal: ctx.signal });
  const folder = modelFolder(config);
  const lines = models.models.map((m) => {
    const t = m.manifest.training;
    return `${formatScoreLine(m.scoreColumn, m.manifest.metrics)}  # in-sample, ${t.rows} rows ${t.start} … ${t.end}, ${t.seconds.toFixed(1)} s`;
  });
  appendText(path.join(folder, 'training.txt'), `# ${new Date().toISOString()}\n${lines.join('\n')}\n\n`);
  for (const line of lines) ctx.log.info(line);
  ctx.log.info(`models stored in ${folder}`);
  return 0;
}
