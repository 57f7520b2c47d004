import fs from 'node:fs';
import path from 'node:path';
import { modelFolder, symbolFolder } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { UserError, isUserError } from '../../core/errors.ts';
import type { Frame } from '../../core/frame.ts';
import { formatTime, parseTime } from '../../core/time.ts';
import { traderFiles } from '../../core/trader/openTrader.ts';
import type { ModelManifest } from '../../models/modelFiles.ts';
import { loadModelSet, signalsUseCalibration, type ModelSet } from '../../models/modelSet.ts';
import { writeCsv } from '../../storage/csv.ts';
import type { Job, JobContext } from '../context.ts';
import { stateFolder } from './state.ts';

/** The batch stages that turn klines into models, then the predictions and signals /backtest reads. */
const TRAINING_STAGES = ['merge', 'features', 'labels', 'train', 'predict', 'signals'] as const;

/** The file that marks a folder as the demo's own (it may reset what is in it). */
export const DEMO_MARK = '.itb-demo';

/** The klines file the demo writes the sample's history into. */
function demoKlinesFile(config: Config): string {
  const source = config.data_sources[0];
  if (!source) throw new UserError('config: key data_sources: the demo needs one data source (the klines folder)');
  return path.resolve(config.data_folder, source.folder, `${source.file || 'klines'}.csv`);
}

const inside = (root: string, p: string) => {
  const rel = path.relative(root, path.resolve(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * `itb start` resets its state, paper wallet and klines on every run and retrains its models: it
 * may do so only in a folder of its own. That is the project's `var/demo`, an empty (or new)
 * folder, or one a demo run marked with `.itb-demo`; everything it resets must lie inside it.
 * Anything else is refused in one sentence before a file is touched. Marks the folder.
 */
export function claimDemoFolder(config: Config, projectDemoFolder: string): void {
  const root = path.resolve(config.data_folder);
  const resets: Array<[string, string]> = [
    ['state folder', stateFolder(config)],
    ['trader state', traderFiles(config).state],
    ['model folder', modelFolder(config)],
    ['klines file', demoKlinesFile(config)],
  ];
  for (const [what, p] of resets) {
    if (!inside(root, p)) {
      throw new UserError(`itb start resets its files on every run, but its ${what} ${p} lies outside its data folder ${root}, so nothing was changed: serve your own data with \`itb serve -c CONFIG\``);
    }
  }
  const mark = path.join(root, DEMO_MARK);
  if (fs.existsSync(mark)) return;
  const empty = !fs.existsSync(root) || fs.readdirSync(root).length === 0;
  if (!empty && root !== path.resolve(projectDemoFolder)) {
    throw new UserError(
      `itb start replays the bundled sample in a folder of its own and resets it on every run, but ${root} holds other data (it has no ${DEMO_MARK} file), so nothing was changed: serve your own data with \`itb serve -c CONFIG\`, or give the demo an empty data_folder`,
    );
  }
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(mark, 'This folder belongs to `npm start` (itb start): every run resets its state, paper wallet and klines, and retrains its models.\n');
}

/**
 * Puts the bundled sample's candles before `replayStart` into data_folder/<source folder>/klines.csv:
 * the demo's models learn only from the past of the bars it then replays.
 */
export function writeDemoKlines(config: Config, sample: Frame, replayStart: number): string {
  const file = demoKlinesFile(config);
  const history = sample.slice(0, sample.lowerBound(replayStart));
  if (!history.length) throw new UserError(`the sample has no candles before ${formatTime(replayStart)} to train on`);
  writeCsv(file, history, { timeColumn: config.time_column });
  return file;
}

/**
 * Whether models were trained only on candles before `replayStart`, counting the label horizon
 * (a training row's label looks that far ahead). Models that saw replayed candles would make the
 * demo look better than it can be live.
 */
export function modelsPrecede(manifests: Pick<ModelManifest, 'training'>[], labelHorizon: number, replayStart: number, freqMs: number): boolean {
  if (!manifests.length) return false;
  return manifests.every((m) => {
    const end = parseTime(m.training?.end ?? '');
    return Number.isFinite(end) && end + labelHorizon * freqMs < replayStart;
  });
}

/**
 * Why the demo must train before it replays, or null when the stored set serves: there is none,
 * it is incomplete or mixed (a training that was stopped), it does not fit the config (other
 * features or algorithms, or no calibration where the signal sets read one), or (`replayStart`
 * given) it saw candles the replay shows. `warn` tells whether the reason is worth a warning.
 */
export async function demoTrainingReason(config: Config, replayStart: number | null, freqMs: number): Promise<{ reason: string; warn: boolean } | null> {
  const folder = modelFolder(config);
  let models: ModelSet;
  try {
    models = await loadModelSet(config);
  } catch (e) {
    if (!isUserError(e)) throw e;
    const nothing = !fs.existsSync(folder) || fs.readdirSync(folder).length === 0;
    return nothing ? { reason: 'no models yet', warn: false } : { reason: `the stored models cannot be used (${e.message}), so they are trained again`, warn: true };
  }
  const uncalibrated = uncalibratedModel(config, models);
  if (uncalibrated) return { reason: `the stored models do not fit the config (model ${uncalibrated} has no training calibration, which the signal sets read), so they are trained again`, warn: true };
  if (replayStart !== null && !modelsPrecede(models.models.map((m) => m.manifest), config.label_horizon, replayStart, freqMs)) {
    return { reason: 'the stored models were trained on candles this replay shows, so they are trained again', warn: true };
  }
  return null;
}

/** A model whose training calibration the config's signal sets read but which has none (an earlier version's model), or undefined. */
function uncalibratedModel(config: Config, models: ModelSet): string | undefined {
  return signalsUseCalibration(config) ? models.scoreColumns.find((c) => !models.calibration(c)) : undefined;
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
