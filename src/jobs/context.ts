import type { Config } from '../config/schema.ts';
import type { SymbolConfig } from '../config/symbols.ts';
import type { Logger } from '../shared/log.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import { Frame } from '../core/frame.ts';
import { log } from '../shared/log.ts';

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
  /**
   * Every symbol of the process (`-c A -c B`, a config's `symbols`), `config` being the first;
   * absent when there is one. The service serves them all; a stage runs once per symbol with
   * `config` set to it.
   */
  symbols?: SymbolConfig[];
  /** The `--symbol` values, for a command given every symbol of the account (`itb trades`, `itb output`). */
  symbolArgs?: string[];
}

/** A job returns its exit code (0 when it returns nothing). */
export type Job = (ctx: JobContext) => Promise<number | void>;

/**
 * The original's row window (§1.2): in train mode keep `train_length`, otherwise
 * `predict_length` tail rows, plus `features_horizon`; 0 means all rows.
 */
export function applyRowWindow(frame: Frame, config: Config): Frame {
  const n = config.train ? config.train_length : config.predict_length;
  if (!n || n + config.features_horizon >= frame.length) return frame;
  const keep = n + config.features_horizon;
  // The original cuts silently, and users lost most of their data to it (ITB issue #72).
  log().warn(
    config.train
      ? `using the last ${keep} of ${frame.length} rows (train_length ${n} + features_horizon ${config.features_horizon}); set "train_length": 0 to use all rows`
      : `using only the last ${keep} of ${frame.length} rows because "train" is false (predict_length ${n} + features_horizon ${config.features_horizon}); set "train": true for offline work on all rows`,
  );
  return rowsView(frame, frame.length - keep, frame.length);
}

/**
 * Rows [start, end) of a stage's table as a frame whose columns are views of the same arrays: a
 * stage drops its input for the result, so nothing else sees the sharing, and a year of columns is
 * not copied (nor held twice) for a cut of a few rows.
 */
export function rowsView(frame: Frame, start: number, end: number): Frame {
  if (start === 0 && end === frame.length) return frame;
  const out = new Frame(frame.time.subarray(start, end));
  for (const name of frame.columnNames()) out.set(name, frame.get(name).subarray(start, end), frame.kind(name));
  return out;
}
