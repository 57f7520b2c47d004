/**
 * `itb import -c FILE FILE… [--folder NAME]`: candles from files into
 * data_folder/<folder>/klines.csv, merged with what is there (sorted, one row per time, the
 * imported row winning). Reads Binance's public data dumps (no header; open time in ms, or in
 * µs since 2025) and CSV/CSV.gz files with a header: ours, the original's klines.csv, and the
 * open_time,…,number_of_trades,taker_buy_base,taker_buy_quote layout of other Binance exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { Frame } from '../core/frame.ts';
import { KLINE_COLUMNS } from '../core/klines.ts';
import { checkCandles } from '../core/candleChecks.ts';
import { sortedByTime, unionByTime } from '../core/merge.ts';
import { epochToMs, formatTime, parseFreq, type Freq } from '../core/time.ts';
import { parseCsv, readCsv, readFileMaybeGz, resolveDataFile, writeCsv } from '../storage/csv.ts';
import { rowLineNumbers } from '../storage/csvLines.ts';
import type { JobContext } from './context.ts';

const USAGE = 'itb import -c CONFIG FILE… [--folder NAME]';

/** Column order of Binance's dump files (data.binance.vision), under our names. */
const DUMP_COLUMNS = ['timestamp', ...KLINE_COLUMNS];

/** Other names of the klines columns, as other exports spell them. */
const ALIASES: Record<string, (typeof KLINE_COLUMNS)[number]> = {
  quote_asset_volume: 'quote_av',
  quote_volume: 'quote_av',
  number_of_trades: 'trades',
  count: 'trades',
  taker_buy_base: 'tb_base_av',
  taker_buy_volume: 'tb_base_av',
  taker_buy_base_asset_volume: 'tb_base_av',
  taker_buy_quote: 'tb_quote_av',
  taker_buy_quote_volume: 'tb_quote_av',
  taker_buy_quote_asset_volume: 'tb_quote_av',
};

const REQUIRED = ['open', 'high', 'low', 'close', 'volume'];

/**
 * Reads one candle file of any supported layout into a frame with the klines.csv columns, sorted
 * by time, checked (checkCandles: prices, conflicting rows, spacing against `freq`, each named by
 * file and line).
 */
export function readCandleFile(file: string, freq?: Freq): Frame {
  const label = path.basename(file);
  const buf = readFileMaybeGz(file);
  if (buf[0] === 0x50 && buf[1] === 0x4b) throw new UserError(`${label} is a zip archive; unzip it and import the CSV inside`);
  const firstCell = buf.toString('latin1', 0, Math.min(buf.length, 64)).split(/[,\r\n]/)[0]!.trim();
  const headerless = /^\d+$/.test(firstCell);
  const raw = headerless ? parseCsv(buf, label, { header: DUMP_COLUMNS }) : parseCsv(buf, label);
  const out = new Frame(raw.time);
  for (const name of raw.columnNames()) {
    const lower = name.toLowerCase();
    const target = ALIASES[lower] ?? lower;
    if ((KLINE_COLUMNS as readonly string[]).includes(target) && !out.has(target)) out.set(target, raw.get(name), raw.kind(name));
  }
  const missing = REQUIRED.filter((c) => !out.has(c));
  if (missing.length) throw new UserError(`${label} has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (columns: ${raw.columnNames().join(', ')})`);
  // Binance writes µs in its dumps since 2025: close times come to ms like open times do.
  if (out.has('close_time')) out.set('close_time', out.get('close_time').map((v) => (Number.isNaN(v) ? v : epochToMs(v))), 'int');
  let lines: Int32Array | undefined;
  const checked = checkCandles(out, { label, freq, lineOf: (row) => (lines ??= rowLineNumbers(buf, !headerless))[row]! });
  for (const c of KLINE_COLUMNS) if (!checked.has(c)) checked.set(c, new Float64Array(checked.length).fill(c === 'ignore' ? 0 : NaN));
  return checked.select([...KLINE_COLUMNS]);
}

interface ImportArgs {
  files: string[];
  folder?: string;
}

export function parseImportArgs(args: string[]): ImportArgs {
  const files: string[] = [];
  let folder: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--folder') {
      folder = args[++i];
      if (!folder) throw new UserError(`--folder needs a name (usage: ${USAGE})`);
    } else if (a.startsWith('--folder=')) folder = a.slice('--folder='.length);
    else if (a.startsWith('-')) throw new UserError(`unknown option ${a} (usage: ${USAGE})`);
    else files.push(a);
  }
  if (!files.length) throw new UserError(`name at least one file to import (usage: ${USAGE})`);
  return { files, folder };
}

/** Imports files into data_folder/<folder>/klines.csv; returns the file written and its row count. */
export function importCandles(config: Config, files: string[], folder: string, log?: { info(m: string): void }): { file: string; rows: number; imported: number } {
  for (const f of files) if (!fs.existsSync(f)) throw new UserError(`file ${f} does not exist`);
  const target = resolveDataFile(path.join(path.resolve(config.data_folder), folder, 'klines.csv'));
  let frame = fs.existsSync(target) ? sortedByTime(readCsv(target, { timeColumn: config.time_column })) : new Frame(new Float64Array(0));
  const before = frame.length;
  const freq = parseFreq(config.freq);
  let imported = 0;
  for (const f of files) {
    const got = readCandleFile(f, freq);
    imported += got.length;
    frame = unionByTime(frame, got);
    log?.info(`${path.basename(f)}: ${got.length} candles, ${got.length ? `${formatTime(got.time[0]!)} … ${formatTime(got.time[got.length - 1]!)}` : 'none'}`);
  }
  const columns = [...KLINE_COLUMNS].filter((c) => frame.has(c));
  writeCsv(target, frame, { timeColumn: config.time_column, columns });
  log?.info(`${target}: ${frame.length} rows (${frame.length - before} new)`);
  return { file: target, rows: frame.length, imported };
}

export async function run(ctx: JobContext): Promise<number> {
  const { files, folder } = parseImportArgs(ctx.args);
  importCandles(ctx.config, files, folder ?? ctx.config.data_sources[0]?.folder ?? ctx.config.symbol, ctx.log);
  return 0;
}
