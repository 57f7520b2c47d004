import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../../shared/errors.ts';
import { ReplayCandleSource } from '../../core/exchange/replay.ts';
import { parseFreq, parseTime } from '../../core/time.ts';
import { readCsv, resolveDataFile } from '../../storage/csv.ts';
import { tickSchedule } from './cron.ts';

/** Venues the original knows but this project does not trade on. */
const UNSUPPORTED = new Set(['yahoo', 'mt5']);

export interface ReplayStart {
  /** Simulated time to start at; by default config.replay.start, else after the history the features need. */
  start?: number;
  /** Bars already processed before a restart: the clock resumes after them. */
  resumeAfter?: number | null;
  speed?: number;
  /** Base folder of a relative replay.file (default: the config file's folder, then the working folder). */
  baseDir?: string;
}

/**
 * The replay venue: the klines file of config.replay.file played on a simulated clock that
 * starts at the tick of the bar opening at `start` (so the bar before it is the newest closed one).
 */
export function openReplaySource(config: Config, options: ReplayStart = {}): ReplayCandleSource {
  const file = config.replay.file;
  if (!file) throw new UserError('config: key replay.file: venue "replay" needs the klines file to play (e.g. data/sample/BTCUSDT/klines.csv.gz)');
  const candidates = path.isAbsolute(file) ? [file] : [options.baseDir, process.cwd()].filter((d): d is string => !!d).map((d) => path.resolve(d, file));
  const found = candidates.map(resolveDataFile).find((f) => fs.existsSync(f));
  if (!found) throw new UserError(`config: key replay.file: ${file} does not exist (looked in ${candidates.join(', ')})`);
  const freq = parseFreq(config.freq);
  const klines = readCsv(found, { timeColumn: config.time_column });
  const warmup = (config.features_horizon + config.predict_length) * freq.ms;
  let start = options.start ?? replayStartFromConfig(config) ?? klines.time[0]! + warmup;
  if (options.resumeAfter !== null && options.resumeAfter !== undefined) start = Math.max(start, options.resumeAfter + freq.ms);
  const offset = tickSchedule(config.freq).offsetMs;
  const end = replayTimeFromConfig(config, 'end');
  return new ReplayCandleSource(
    klines,
    freq,
    { start: start + offset, speed: options.speed ?? config.replay.speed, end: end === null ? undefined : end + offset },
    path.basename(found),
  );
}

function replayStartFromConfig(config: Config): number | null {
  return replayTimeFromConfig(config, 'start');
}

/** replay.start / replay.end: a date (UTC) or epoch ms; empty = not set. */
function replayTimeFromConfig(config: Config, key: 'start' | 'end'): number | null {
  const s = config.replay[key];
  if (s === null || s === undefined || s === '') return null;
  const t = typeof s === 'number' ? s : parseTime(s);
  if (!Number.isFinite(t)) throw new UserError(`config: key replay.${key}: "${s}" is not a date (expected e.g. 2025-11-28 00:00:00)`);
  return t;
}

/** Rejects a venue the service cannot serve, in one sentence; returns 'replay' or the ccxt exchange id. */
export function resolveVenue(config: Config, knownExchanges: readonly string[]): string {
  const venue = config.venue.trim().toLowerCase();
  if (venue === 'replay') return 'replay';
  if (!venue) throw new UserError('config: key venue: not set (use "replay" with a replay.file, or an exchange such as "binance")');
  if (UNSUPPORTED.has(venue)) throw new UserError(`config: key venue: "${config.venue}" is not supported by this project (use "replay" or a ccxt exchange such as "binance")`);
  if (!knownExchanges.includes(venue)) throw new UserError(`config: key venue: unknown venue "${config.venue}" (use "replay" or a ccxt exchange id such as "binance")`);
  return venue;
}
