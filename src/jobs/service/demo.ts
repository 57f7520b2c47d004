import fs from 'node:fs';
import path from 'node:path';
import { modelFolder, symbolFolder } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../../core/errors.ts';
import type { Frame } from '../../core/frame.ts';
import { formatTime, parseTime } from '../../core/time.ts';
import { writeCsv } from '../../storage/csv.ts';
import type { Job, JobContext } from '../context.ts';

/** The batch stages that turn klines into models, then the predictions and signals /backtest reads. */
const TRAINING_STAGES = ['merge', 'features', 'labels', 'train', 'predict', 'signals'] as const;

/**
 * Puts the bundled sample's candles before `replayStart` into data_folder/<source folder>/klines.csv:
 * the demo's models learn only from the past of the bars it then replays.
 */
export function writeDemoKlines(config: Config, sample: Frame, replayStart: number): string {
  const source = config.data_sources[0];
  if (!source) throw new UserError('config: key data_sources: the demo needs one data source (the klines folder)');
  const file = path.resolve(config.data_folder, source.folder, `${source.file || 'klines'}.csv`);
  const history = sample.slice(0, sample.lowerBound(replayStart));
  if (!history.length) throw new UserError(`the sample has no candles before ${formatTime(replayStart)} to train on`);
  writeCsv(file, history, { timeColumn: config.time_column });
  return file;
}

/** True when the models folder holds something (a trained model set). */
export function modelsExist(config: Config): boolean {
  const dir = modelFolder(config);
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Whether the stored models were trained only on candles before `replayStart`, counting the
 * label horizon (a training row's label looks that far ahead). Models that saw replayed candles
 * would make the demo look better than it can be live.
 */
export function modelsPrecede(config: Config, replayStart: number, freqMs: number): boolean {
  const dir = modelFolder(config);
  let manifests = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    let training: { end?: string } | undefined;
    try {
      training = (JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { training?: { end?: string } }).training;
    } catch {
      return false;
    }
    if (!training) continue; // a weights file
    manifests++;
    const end = parseTime(training.end ?? '');
    if (!Number.isFinite(end) || end + config.label_horizon * freqMs >= replayStart) return false;
  }
  return manifests > 0;
}

/**
 * merge → features → labels → train → predict → signals with the given context (progress bars on
 * the terminal); without `train`, the stored models score the klines (the signals /backtest reads).
 */
export async function trainFromKlines(ctx: JobContext, options: { train?: boolean } = {}): Promise<void> {
  const config: Config = { ...ctx.config, train: true };
  fs.mkdirSync(symbolFolder(config), { recursive: true });
  for (const stage of TRAINING_STAGES) {
    if (stage === 'train' && options.train === false) continue;
    ctx.log.info(`demo: ${stage} …`);
    const mod = (await import(`../${stage}.ts`)) as { run: Job };
    const code = await mod.run({ ...ctx, config });
    if (typeof code === 'number' && code !== 0) throw new UserError(`demo: itb ${stage} failed (exit code ${code})`);
    if (ctx.signal?.aborted) throw new UserError('demo: stopped');
  }
}
