import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { ProgressReporter } from './progress.ts';
import type { Frame } from '../core/frame.ts';

/** What every job (a pipeline stage, the service) is given. */
export interface JobContext {
  config: Config;
  /** Absolute path of the config file ('' when the config was built in memory). */
  configFile: string;
  /** Arguments after the subcommand, without `-c FILE` (e.g. file names for `import`). */
  args: string[];
  log: Logger;
  progress: ProgressReporter;
  /** Set when the work should stop early (Ctrl-C, /cancel). */
  signal?: AbortSignal;
}

/** A job returns its exit code (0 when it returns nothing). */
export type Job = (ctx: JobContext) => Promise<number | void>;

/**
 * The original's row window (§1.2): in train mode keep `train_length`, otherwise
 * `predict_length` tail rows, plus `features_horizon`; 0 means all rows.
 */
export function applyRowWindow(frame: Frame, config: Config): Frame {
  const n = config.train ? config.train_length : config.predict_length;
  if (!n) return frame;
  return frame.tail(n + config.features_horizon);
}
