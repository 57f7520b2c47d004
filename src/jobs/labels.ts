import { stageFile } from '../config/load.ts';
import { UserError } from '../core/errors.ts';
import { STAGE_OUTPUT, writeTable } from '../storage/table.ts';
import { applyRowWindow, type JobContext } from './context.ts';
import { appendColumnList, readStageInput, runSectionWithProgress, warnMissing } from './features.ts';

/**
 * `itb labels` (the original's labels.py): features.csv → matrix.csv with every label_sets
 * generator applied in order; the label list is appended to matrix.txt.
 */
export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const frame = applyRowWindow(await readStageInput(config, 'feature_file_name'), config);
  if (!frame.length) throw new UserError(`${config.feature_file_name} has no rows`);
  const names = await runSectionWithProgress(ctx, frame, 'label_sets');
  warnMissing(ctx, frame, names, 'label');
  const out = stageFile(config, config.matrix_file_name);
  writeTable(out, frame, { ...STAGE_OUTPUT, timeColumn: config.time_column });
  appendColumnList(out, names);
  ctx.log.info(`${names.length} labels for ${frame.length} rows stored in ${out}`);
  return 0;
}
