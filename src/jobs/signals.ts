import { stageFile } from '../config/load.ts';
import { UserError } from '../core/errors.ts';
import { signalCalibration } from '../models/modelSet.ts';
import { STAGE_OUTPUT, writeTable } from '../storage/table.ts';
import { applyRowWindow, type JobContext } from './context.ts';
import { readStageInput, runSectionWithProgress, warnMissing } from './features.ts';
import { withThresholdsInForce } from './walkForward.ts';

/**
 * `itb signals` (the original's signals.py): predictions.csv → signals.csv with every
 * signal_sets generator applied in order; keeps timestamp, open, high, low, close, the
 * configured labels that are present and the signal columns. A threshold rule with
 * `"parameters_from": "walk_forward"` uses the thresholds of the last walk-forward run.
 */
export async function run(ctx: JobContext): Promise<number> {
  const config = withThresholdsInForce(ctx.config, ctx.log);
  const frame = applyRowWindow(await readStageInput(config, 'predict_file_name'), config);
  if (!frame.length) throw new UserError(`${config.predict_file_name} has no rows`);
  const names = await runSectionWithProgress({ ...ctx, config }, frame, 'signal_sets', { calibration: await signalCalibration(config) });
  warnMissing(ctx, frame, names, 'signal');
  const keep = ['open', 'high', 'low', 'close', ...config.labels].filter((c) => frame.has(c) && !names.includes(c));
  const out = stageFile(config, config.signal_file_name);
  writeTable(out, frame, { ...STAGE_OUTPUT, timeColumn: config.time_column, columns: [...new Set([...keep, ...names])] });
  ctx.log.info(`${names.length} signal columns for ${frame.length} rows stored in ${out}`);
  return 0;
}
