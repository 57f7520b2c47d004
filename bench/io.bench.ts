/**
 * CSV speed: the full real BTCUSDT 1m file (656,640 rows, gzip) read into a Frame, against
 * the floor of any text format (gunzip, then split the text into lines) measured in the same
 * run; then the frame written back as CSV, and `itb merge` on one year of it against the
 * Python original's figure. Then bytes per second of CSV and parquet on a year of the
 * features stage's table (prices and 14 full-precision features), and the CLI's start-up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildConfig } from '../src/config/load.ts';
import type { Frame } from '../src/core/frame.ts';
import { candlesToFrame, frameRowToCandle } from '../src/core/klines.ts';
import type { JobContext } from '../src/jobs/context.ts';
import { run as runMerge } from '../src/jobs/merge.ts';
import { execFileSync } from 'node:child_process';
import { readCsv, writeCsv } from '../src/storage/csv.ts';
import { readTable, STAGE_OUTPUT, writeTable } from '../src/storage/table.ts';
import { peakRssMb, SHARED_DATA, timeIt, type BenchRow } from './lib.ts';

export async function bench(): Promise<BenchRow[]> {
  const file = path.join(SHARED_DATA, 'BTCUSDT-1m.csv.gz');
  if (!fs.existsSync(file)) return [{ name: 'read BTCUSDT-1m.csv.gz', value: NaN, unit: 'rows/s', note: `${file} is missing` }];
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);

  const rssBefore = process.memoryUsage().rss / 1048576;
  let rows = 0;
  let frame = readCsv(file);
  const readMs = await timeIt(() => {
    frame = readCsv(file);
    rows = frame.length;
  }, repeat);
  // before the floor pass, whose line strings take more memory than the frame
  const rssAfterRead = peakRssMb();

  let lines = 0;
  const floorMs = await timeIt(() => {
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('latin1');
    lines = text.split('\n').length;
  }, repeat);
  const gunzipMs = await timeIt(() => zlib.gunzipSync(fs.readFileSync(file)), repeat);


  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-')), 'klines.csv');
  const writeMs = await timeIt(() => writeCsv(out, frame), 1);
  const writeGzMs = await timeIt(() => writeCsv(`${out}.gz`, frame), 1);
  const roundTrip = readCsv(out);
  const exact = roundTrip.length === rows && roundTrip.columnNames().every((c) => roundTrip.get(c).every((v, i) => Object.is(v, frame.get(c)[i])));
  fs.rmSync(path.dirname(out), { recursive: true, force: true });

  const mergeRow = await benchMerge(frame);
  const formatRows = await benchFormats(frame, repeat);
  const startRow = benchStartup(repeat);

  const perSec = (ms: number) => (rows / ms) * 1000;
  return [
    { name: `read ${rows} rows (csv.gz → Frame)`, value: readMs / 1000, unit: 's', baseline: floorMs / 1000, baselineLabel: 'gunzip + split lines', target: '≤ 2× floor' },
    { name: 'read throughput', value: perSec(readMs), unit: 'rows/s' },
    { name: 'floor: gunzip + split lines', value: perSec(floorMs), unit: 'rows/s', note: `${lines - 2} lines` },
    { name: 'gunzip alone', value: gunzipMs / 1000, unit: 's' },
    { name: 'peak RSS after reads', value: rssAfterRead, unit: 'MB', note: `RSS before the first read ${rssBefore.toFixed(0)} MB; the frame itself ${((rows * 12 * 8) / 1048576).toFixed(0)} MB` },
    { name: 'write CSV (full precision)', value: writeMs / 1000, unit: 's', note: `${perSec(writeMs).toFixed(0)} rows/s` },
    { name: 'write CSV.gz', value: writeGzMs / 1000, unit: 's', note: `round trip exact: ${exact}` },
    mergeRow,
    ...formatRows,
    startRow,
  ];
}

/** A year of the features stage's table: the candles and 14 features of 16-17 significant digits. */
function featuresTable(full: Frame): Frame {
  const f = full.tail(525_600);
  const close = f.get('close');
  for (let k = 0; k < 14; k++) f.set(`feature_${k}`, close.map((v, i) => (i > k ? v / close[i - 1 - k]! - 1 : NaN)));
  return f;
}

/** MB/s (of the file's bytes) writing (as a stage writes: no fsync) and reading the same table as CSV and as parquet. */
async function benchFormats(full: Frame, repeat: number): Promise<BenchRow[]> {
  const table = featuresTable(full);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-formats-'));
  const rows: BenchRow[] = [];
  try {
    for (const [label, name, decimals] of [['CSV', 'features.csv', undefined], ['CSV %.6f', 'predictions.csv', 6], ['parquet', 'features.parquet', undefined]] as const) {
      const file = path.join(dir, name);
      const writeMs = await timeIt(() => writeTable(file, table, { ...STAGE_OUTPUT, decimals }), repeat);
      const mb = fs.statSync(file).size / 1e6;
      const readMs = await timeIt(() => readTable(file), repeat);
      rows.push({ name: `write ${label}, ${table.length} rows × ${table.columnNames().length + 1} columns`, value: mb / (writeMs / 1000), unit: 'MB/s', note: `${mb.toFixed(0)} MB in ${(writeMs / 1000).toFixed(2)} s` });
      rows.push({ name: `read ${label}`, value: mb / (readMs / 1000), unit: 'MB/s', note: `${(readMs / 1000).toFixed(2)} s` });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Wall time of `itb --help` in a new process (best of `repeat`): the start-up every stage pays. */
function benchStartup(repeat: number): BenchRow {
  const itb = new URL('../bin/itb.mjs', import.meta.url).pathname;
  execFileSync(process.execPath, [itb, '--help']); // the bundle is made on the first run after a change
  let best = Infinity;
  for (let i = 0; i < Math.max(3, repeat); i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [itb, '--help']);
    best = Math.min(best, performance.now() - t0);
  }
  const t0 = performance.now();
  execFileSync(process.execPath, ['-e', '0']);
  const bare = performance.now() - t0;
  return { name: 'start-up: itb --help', value: best / 1000, unit: 's', note: `node -e 0 takes ${(bare / 1000).toFixed(2)} s here` };
}

/** `itb merge` as the baseline ran it: the last 525,600 rows in klines.csv layout → data.csv. */
async function benchMerge(full: Frame): Promise<BenchRow> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-merge-'));
  try {
    const year = full.tail(525_600);
    writeCsv(path.join(data, 'BTCUSDT', 'klines.csv'), candlesToFrame(Array.from({ length: year.length }, (_, i) => frameRowToCandle(year, i))));
    const config = buildConfig({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', train: true, train_length: 0, data_sources: [{ folder: 'BTCUSDT', file: 'klines', column_prefix: '' }] }, { env: {} }).config;
    const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as JobContext['log'];
    const ms = await timeIt(() => runMerge({ config, configFile: '', args: [], log: quiet, progress: () => {} }), 1);
    return { name: `itb merge, ${year.length} rows (read, raster, write)`, value: ms / 1000, unit: 's', baseline: 8.9, baselineLabel: 'Python ITB merge' };
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
}
