/**
 * `itb download -c FILE`: brings data_folder/<folder>/klines.csv of every data source up to
 * date from the exchange. It continues from the stored candles with a small overlap (or starts
 * at exchange.download_start), keeps only closed candles, and saves atomically along the way,
 * so an interrupted run loses nothing and the next run resumes without gap or duplicate.
 */
import fs from 'node:fs';
import path from 'node:path';
import ccxt from 'ccxt';
import type { Config } from '../config/schema.ts';
import { UserError } from '../shared/errors.ts';
import { CcxtCandleSource, MalformedResponseError } from '../exchange/ccxt.ts';
import type { Candle, CandleSource } from '../core/exchange/types.ts';
import { Frame } from '../core/frame.ts';
import { candlesToFrame, KLINE_COLUMNS } from '../core/klines.ts';
import { unionByTime, sortedByTime } from '../core/merge.ts';
import { formatTime, nextTime, parseFreq, parseTime, type Freq } from '../core/time.ts';
import { readCsv, resolveDataFile, writeCsv } from '../storage/csv.ts';
import type { JobContext } from './context.ts';
import { silentProgress, type ProgressReporter } from '../shared/progress.ts';

/** Binance's largest page of klines. */
const PAGE = 1000;
/** The stored row the next download starts from, counted from the end (the original's overlap). */
const OVERLAP_ROWS = 5;

export interface DownloadOptions {
  source: CandleSource & { serverTime?(): Promise<number> };
  /** ITB spelling, e.g. BTCUSDT; also the folder name. */
  symbol: string;
  freq: Freq;
  /** The klines file to bring up to date (read if present, also as .gz). */
  file: string;
  /** Where to start when the file has no rows (epoch ms). */
  startMs: number;
  /** Keep only this many newest rows (0 or undefined: all). */
  maxRows?: number | null;
  timeColumn?: string;
  signal?: AbortSignal;
  progress?: ProgressReporter;
  log?: { info(msg: string): void; warn(msg: string): void };
  /** Save what has arrived at least this often during a long download (default 30 s). */
  saveEveryMs?: number;
}

export interface DownloadResult {
  file: string;
  /** Candles received from the exchange in this run (overlap included). */
  received: number;
  /** Rows in the file afterwards. */
  rows: number;
  /** Open time of the last stored candle (NaN when none). */
  last: number;
  /** True when the run stopped early on the abort signal (what arrived is saved). */
  interrupted: boolean;
}

function readExisting(file: string, timeColumn: string): { frame: Frame; file: string } | null {
  const found = resolveDataFile(file);
  if (!fs.existsSync(found)) return null;
  return { frame: sortedByTime(readCsv(found, { timeColumn })), file: found };
}

/** Brings one klines file up to date; see the module comment. */
export async function downloadKlines(o: DownloadOptions): Promise<DownloadResult> {
  const timeColumn = o.timeColumn ?? 'timestamp';
  const progress = o.progress ?? silentProgress;
  const existing = readExisting(o.file, timeColumn);
  const target = existing?.file ?? o.file;
  let stored = existing?.frame ?? new Frame(new Float64Array(0));
  const since0 = stored.length ? stored.time[Math.max(0, stored.length - OVERLAP_ROWS)]! : o.startMs;
  const serverNow = o.source.serverTime ? await o.source.serverTime() : o.source.now();
  const closesAt = (t: number) => (o.freq.months ? nextTime(t, o.freq) : t + o.freq.ms);
  const expected = Math.max(1, Math.ceil((serverNow - since0) / o.freq.ms));
  const stage = `download ${o.symbol}`;

  let pending: Candle[] = [];
  let received = 0;
  let saves = 0;
  const save = () => {
    if (!pending.length) return;
    let merged = unionByTime(stored, candlesToFrame(pending));
    if (o.maxRows) merged = merged.tail(o.maxRows);
    writeCsv(target, merged, { timeColumn, columns: [...KLINE_COLUMNS].filter((c) => merged.has(c)) });
    stored = merged;
    pending = [];
    saves++;
  };

  let since = since0;
  let lastSave = Date.now();
  let lastSaveMs = 0;
  let interrupted = false;
  let shown = 0;
  try {
    for (;;) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const page = await o.source.fetchCandles(o.symbol, o.freq, since, PAGE);
      const closed = page.filter((c) => c.time >= since && closesAt(c.time) <= serverNow);
      pending.push(...closed);
      received += closed.length;
      const reached = closed.length ? closed[closed.length - 1]!.time : since;
      shown = Math.min(received, expected);
      progress({ stage, done: shown, total: expected, unit: 'rows', detail: `reached ${formatTime(reached)}` });
      // Done: nothing (more) there, the still-open candle was reached, or the next one cannot have closed yet.
      if (!closed.length || closed.length < page.length) break;
      since = closesAt(closed[closed.length - 1]!.time);
      if (closesAt(since) > serverNow) break;
      // Each save rewrites the whole file: on long histories it is spaced so saving stays a small part of the run.
      const every = o.saveEveryMs ?? 30_000;
      if (Date.now() - lastSave >= (every ? Math.max(every, 4 * lastSaveMs) : 0)) {
        const t = Date.now();
        save();
        lastSave = Date.now();
        lastSaveMs = lastSave - t;
      }
    }
  } catch (e) {
    // A malformed answer means this run's data cannot be trusted: nothing more is written.
    // Any other failure keeps the checked candles that did arrive, so the next run resumes.
    if (!(e instanceof MalformedResponseError)) save();
    if (o.signal?.aborted && !(e instanceof UserError)) interrupted = true;
    else throw e;
  }
  save();
  if (!interrupted && shown < expected) progress({ stage, done: expected, total: expected, unit: 'rows', detail: `reached ${formatTime(stored.length ? stored.time[stored.length - 1]! : since0)}` });
  const last = stored.length ? stored.time[stored.length - 1]! : NaN;
  o.log?.info(
    `${o.symbol}: ${received} candles received${saves ? `, ${stored.length} rows in ${target}` : ', file unchanged'}; last ${formatTime(last) || 'none'}${interrupted ? ' (interrupted: run again to resume)' : ''}`,
  );
  return { file: target, received, rows: stored.length, last, interrupted };
}

/** The folders (= symbols) of data_sources, each once, in config order. */
export function downloadFolders(config: Config): string[] {
  const folders = config.data_sources.map((d) => d.folder).filter(Boolean);
  if (!folders.length) folders.push(config.symbol);
  return [...new Set(folders)];
}

function checkVenue(config: Config): void {
  const venue = config.venue || 'binance';
  if (venue === 'mt5') throw new UserError('venue "mt5" (MetaTrader 5) cannot be downloaded from here; export its candles to CSV and load them with itb import');
  if (venue === 'yahoo') throw new UserError('venue "yahoo" downloads are not supported; load daily candles from a CSV file with itb import');
  if (venue === 'replay') throw new UserError('venue "replay" has nothing to download: it replays replay.file');
}

export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  checkVenue(config);
  const freq = parseFreq(config.freq);
  const startMs = parseTime(config.exchange.download_start);
  if (Number.isNaN(startMs)) throw new UserError(`exchange.download_start "${config.exchange.download_start}" is not a date (expected e.g. 2017-01-01)`);
  const source = CcxtCandleSource.fromConfig(config, { signal: ctx.signal, log: ctx.log });
  let interrupted = false;
  try {
    for (const folder of downloadFolders(config)) {
      const file = path.join(path.resolve(config.data_folder), folder, 'klines.csv');
      try {
        const result = await downloadKlines({
          source,
          symbol: folder,
          freq,
          file,
          startMs,
          maxRows: config.download_max_rows,
          timeColumn: config.time_column,
          signal: ctx.signal,
          progress: ctx.progress,
          log: ctx.log,
          saveEveryMs: config.exchange.download_save_every_s * 1000,
        });
        interrupted ||= result.interrupted;
      } catch (e) {
        if (e instanceof ccxt.BadSymbol) throw new UserError(`exchange ${source.exchange.id} has no market ${folder} (data_sources folder)`, { cause: e });
        if (e instanceof ccxt.AuthenticationError) throw new UserError(`exchange ${source.exchange.id} refused the API key (exchange.api_key / EXCHANGE_API_KEY)`, { cause: e });
        if (e instanceof ccxt.NetworkError) {
          throw new UserError(`download of ${folder} stopped: the exchange is unreachable after ${config.exchange.retries} retries (${(e as Error).message.slice(0, 120)}); what arrived is saved, run again to resume`, { cause: e });
        }
        throw e;
      }
      if (interrupted) break;
    }
  } finally {
    await source.close();
  }
  if (interrupted) throw new UserError('download interrupted; what arrived is saved, run it again to resume', { exitCode: 130 });
  return 0;
}
