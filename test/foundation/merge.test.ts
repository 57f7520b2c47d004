import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { UserError } from '../../src/shared/errors.ts';
import { Frame } from '../../src/core/frame.ts';
import { interpolateLinear } from '../../src/core/interpolate.ts';
import { mergeDataSources, timeRaster, unionByTime } from '../../src/core/merge.ts';
import { parseFreq } from '../../src/core/time.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { loadSources, offRasterWarnings, run } from '../../src/jobs/merge.ts';
import { readTable, writeTable } from '../../src/storage/table.ts';
import { readmePromises } from '../readmePromises.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-merge-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let caseNo = 0;

function put(folder: string, file: string, text: string, gz = false): void {
  const p = path.join(folder, file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, gz ? zlib.gzipSync(text) : text);
}

interface Logged {
  lines: string[];
  ctx: JobContext;
}

function context(raw: Record<string, unknown>): Logged {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error() {}, debug() {} };
  const config = buildConfig(raw, { env: {} }).config;
  return { lines, ctx: { config, configFile: '', args: [], log: log as unknown as JobContext['log'], progress: () => {} } };
}

/** BTC: 00:00 … 00:06 without 00:03. ETH: 00:01 … 00:05 without 00:02. */
function twoSources(): string {
  const data = path.join(root, `case${++caseNo}`);
  put(
    data,
    'BTCUSDT/klines.csv',
    [
      'timestamp,open,close',
      '2024-03-01 00:00:00,10,11',
      '2024-03-01 00:01:00,11,12',
      '2024-03-01 00:02:00,12,13',
      '2024-03-01 00:04:00,14,15',
      '2024-03-01 00:05:00,15,16',
      '2024-03-01 00:06:00,16,17',
      '',
    ].join('\n'),
  );
  put(
    data,
    'ETHUSDT/klines.csv.gz',
    [
      'timestamp,close,eth_volume',
      '2024-03-01 00:01:00,100,5',
      '2024-03-01 00:03:00,104,7',
      '2024-03-01 00:04:00,106,8',
      '2024-03-01 00:05:00,108,9',
      '',
    ].join('\n'),
    true,
  );
  return data;
}

const SOURCES = [
  { folder: 'BTCUSDT', file: 'klines', column_prefix: '' },
  { folder: 'ETHUSDT', file: 'klines', column_prefix: 'eth' },
];

describe('itb merge (two sources onto a 1min raster)', () => {
  it('joins on the raster from the earliest start to the earliest end, gaps empty', async () => {
    const data = twoSources();
    const { ctx, lines } = context({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', data_sources: SOURCES });
    expect(await run(ctx)).toBe(0);
    const text = fs.readFileSync(path.join(data, 'BTCUSDT', 'data.csv'), 'utf8');
    expect(text).toBe(
      [
        'timestamp,open,close,eth_close,eth_volume',
        '2024-03-01 00:00:00,10,11,,',
        '2024-03-01 00:01:00,11,12,100,5',
        '2024-03-01 00:02:00,12,13,,',
        '2024-03-01 00:03:00,,,104,7',
        '2024-03-01 00:04:00,14,15,106,8',
        '2024-03-01 00:05:00,15,16,108,9',
        '',
      ].join('\n'),
    );
    expect(lines).toContain('raster 1min from 2024-03-01 00:00:00 to 2024-03-01 00:05:00: 6 rows');
    expect(lines).toContain(
      'data_sources[0] (BTCUSDT/klines.csv) goes on to 2024-03-01 00:06:00 but the merge stops at the earliest source end, 2024-03-01 00:05:00',
    );
    expect(lines).toContain('data_sources[0] (BTCUSDT/klines.csv): 1 missing bars; largest gaps: 2024-03-01 00:03:00 (1)');
    expect(lines).toContain(
      'data_sources[1] (ETHUSDT/klines.csv.gz): 2 missing bars; largest gaps: 2024-03-01 00:00:00 (1), 2024-03-01 00:02:00 (1)',
    );
  });

  it('merge_interpolate fills inner gaps linearly; leading gaps stay empty', async () => {
    const data = twoSources();
    const { ctx } = context({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', data_sources: SOURCES, merge_interpolate: true });
    await run(ctx);
    const text = fs.readFileSync(path.join(data, 'BTCUSDT', 'data.csv'), 'utf8');
    expect(text.split('\n').slice(1, 5)).toEqual([
      '2024-03-01 00:00:00,10,11,,',
      '2024-03-01 00:01:00,11,12,100,5',
      '2024-03-01 00:02:00,12,13,102,6',
      '2024-03-01 00:03:00,13,14,104,7',
    ]);
  });

  it('the row window tails each source before merging', async () => {
    const data = twoSources();
    // predict mode: predict_length 2 + features_horizon 1 = the last 3 rows of each source
    const { ctx } = context({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', data_sources: SOURCES, train: false, predict_length: 2, features_horizon: 1 });
    await run(ctx);
    const rows = fs.readFileSync(path.join(data, 'BTCUSDT', 'data.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.map((r) => r.slice(11, 16))).toEqual(['00:03', '00:04', '00:05']);
  });

  it('names what is wrong with a source', async () => {
    const data = twoSources();
    put(data, 'X/klines.parquet', 'PAR1');
    const parquet = context({ data_folder: data, data_sources: [{ folder: 'X', file: 'klines.parquet' }] });
    await expect(run(parquet.ctx)).rejects.toThrow('klines.parquet is not a whole parquet file (4 bytes); it may be truncated or not parquet: write it again');
    const missing = context({ data_folder: data, data_sources: [{ folder: 'NOPE', file: 'klines' }] });
    await expect(run(missing.ctx)).rejects.toThrow(/^data_sources\[0\]: .*NOPE\/klines\.csv does not exist \(run itb download or itb import first\)$/);
    const clash = context({ data_folder: data, data_sources: [SOURCES[0], { ...SOURCES[1], column_prefix: '' }] });
    await expect(run(clash.ctx)).rejects.toThrow(
      'column "close" comes from both data_sources[0] (BTCUSDT/klines.csv) and data_sources[1] (ETHUSDT/klines.csv.gz); give them different column_prefix values',
    );
    const none = context({ data_folder: data, data_sources: [] });
    await expect(run(none.ctx)).rejects.toBeInstanceOf(UserError);
  });
});

const OFF_RASTER_PROMISE =
  "`itb merge` refuses a data source none of whose candles lands on the merge's bars (candles on another phase of `freq`, at :30 s where the first source's are at :00) in one sentence naming both sources, and writes nothing; candles of a source that fall between the bars only in part are left out and counted in a warning.";

describe('a source off the raster of the others', () => {
  it('is a promise of the README', () => {
    expect(readmePromises()).toContain(OFF_RASTER_PROMISE);
  });

  it('refused in one sentence when none of its candles lands on a bar, nothing written', async () => {
    const data = twoSources();
    // ETH's candles at :30 s, BTC's at :00: the raster starts with BTC, every ETH candle falls between two bars
    put(data, 'ETHUSDT/klines.csv', ['timestamp,close', '2024-03-01 00:01:30,100', '2024-03-01 00:02:30,101', '2024-03-01 00:03:30,102', ''].join('\n'));
    const { ctx } = context({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', data_sources: [SOURCES[0], { folder: 'ETHUSDT', file: 'klines.csv', column_prefix: 'eth' }] });
    await expect(run(ctx)).rejects.toThrow(
      "data_sources[1] (ETHUSDT/klines.csv): none of its candles lands on the merge's 1min bars, which start at 2024-03-01 00:00:00 with data_sources[0] (BTCUSDT/klines.csv) (its first candle after that is at 2024-03-01 00:01:30): the data sources' candles must be on one time grid",
    );
    expect(fs.existsSync(path.join(data, 'BTCUSDT', 'data.csv'))).toBe(false);
  });

  it('candles between the bars are left out and counted, the first named', () => {
    const t0 = Date.UTC(2024, 2, 1);
    const a = new Frame(Float64Array.from([0, 1, 2, 3], (k) => t0 + k * 60_000)).set('x', [1, 2, 3, 4]);
    const b = new Frame(Float64Array.from([0, 90, 120, 150, 180], (s) => t0 + s * 1000)).set('y', [10, 11, 12, 13, 14]);
    const result = mergeDataSources([{ label: 'a', frame: a, prefix: '' }, { label: 'b', frame: b, prefix: '' }], parseFreq('1min'));
    expect(Array.from(result.frame.get('y'))).toEqual([10, NaN, 12, 14]);
    expect(result.offRaster).toEqual([{ label: 'b', rows: 2, first: t0 + 90_000 }]);
    expect(offRasterWarnings(result, '1min')).toEqual(['b: 2 candles fall between the 1min bars and are left out (the first at 2024-03-01 00:01:30)']);
    expect(mergeDataSources([{ label: 'a', frame: a, prefix: '' }], parseFreq('1min')).offRaster).toEqual([]);
  });
});

describe('merge on the bundled real 1h sample', () => {
  it('the gap report counts the hours the exchange was down', async () => {
    const sample = path.resolve(import.meta.dirname, '../../data/sample');
    const config = buildConfig({ data_folder: sample, freq: '1h', data_sources: [{ folder: 'BTCUSDT-1h', file: 'klines' }] }, { env: {} }).config;
    const [source] = await loadSources(config);
    // independent count: every step between stored candles longer than an hour is a gap
    const t = source!.frame.time;
    let missing = 0;
    let largest = 0;
    for (let i = 1; i < t.length; i++) {
      const gap = (t[i]! - t[i - 1]!) / 3_600_000 - 1;
      missing += gap;
      largest = Math.max(largest, gap);
    }
    const result = mergeDataSources([source!], parseFreq('1h'));
    expect(result.frame.length).toBe(t.length + missing);
    expect(result.gaps[0]!.missingBars).toBe(missing);
    expect(result.gaps[0]!.largest[0]?.bars ?? 0).toBe(largest);
    const close = result.frame.get('close');
    expect(close.filter((v) => Number.isNaN(v)).length).toBe(missing);
  });
});

describe('merge primitives', () => {
  it('a raster of hours; months roll forward to month starts', () => {
    const h = Date.UTC(2024, 0, 1, 5);
    expect(Array.from(timeRaster(h, h + 3 * 3_600_000 + 5, parseFreq('1h')))).toEqual([h, h + 3_600_000, h + 7_200_000, h + 10_800_000]);
    const ms = Array.from(timeRaster(Date.UTC(2024, 0, 15), Date.UTC(2024, 3, 1), parseFreq('1MS')));
    expect(ms).toEqual([Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1)]);
  });

  it('interpolates like pandas: inner linear, leading kept, trailing carried', () => {
    const col = Float64Array.from([NaN, 1, NaN, NaN, 4, NaN]);
    interpolateLinear(col);
    expect(Array.from(col)).toEqual([NaN, 1, 2, 3, 4, 4]);
  });

  it('unionByTime sorts, keeps the newer row of a time, and widens columns', () => {
    const older = new Frame([3, 1, 2]).set('a', [30, 10, 20]);
    const newer = new Frame([2, 4, 4]).set('a', [21, 40, 41]).set('b', [2, 4, 5]);
    const u = unionByTime(older, newer);
    expect(Array.from(u.time)).toEqual([1, 2, 3, 4]);
    expect(Array.from(u.get('a'))).toEqual([10, 21, 30, 41]);
    expect(Array.from(u.get('b'))).toEqual([NaN, 2, NaN, 5]);
  });

  it('unionByTime of two sorted frames: one pass, newer rows win ties', () => {
    const older = new Frame([1, 2, 3]).set('a', [10, 20, 30]);
    const newer = new Frame([2, 3, 5]).set('a', [21, 31, 51]);
    const u = unionByTime(older, newer);
    expect(Array.from(u.time)).toEqual([1, 2, 3, 5]);
    expect(Array.from(u.get('a'))).toEqual([10, 21, 31, 51]);
    expect(Array.from(unionByTime(newer, new Frame([0, 9]).set('a', [0, 9])).get('a'))).toEqual([0, 21, 31, 51, 9]);
  });

  it('a source with only empty rows is refused', () => {
    const empty = new Frame([0, 60_000]).set('x', [NaN, NaN]);
    expect(() => mergeDataSources([{ label: 'data_sources[0]', frame: empty, prefix: '' }], parseFreq('1min'))).toThrow('data_sources[0] has no rows with values');
  });
});

describe('itb merge with parquet files', () => {
  it('reads a parquet source and writes data.parquet; a bad candle in it is named by its row', async () => {
    const data = path.join(root, `case${++caseNo}`);
    const t0 = Date.UTC(2024, 2, 1);
    const klines = new Frame(Float64Array.from({ length: 6 }, (_, i) => t0 + i * 60_000));
    klines.set('open', [10, 11, 12, 13, 14, 15]).set('close', [11, 12, 13, 14, 15, 16]);
    writeTable(path.join(data, 'BTCUSDT/klines.parquet'), klines);
    const ok = context({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', merge_file_name: 'data.parquet', data_sources: [{ folder: 'BTCUSDT', file: 'klines.parquet' }] });
    await run(ok.ctx);
    const merged = await readTable(path.join(data, 'BTCUSDT/data.parquet'));
    expect(Array.from(merged.time)).toEqual(Array.from(klines.time));
    expect(Array.from(merged.get('close'))).toEqual([11, 12, 13, 14, 15, 16]);
    klines.get('close')[2] = 0;
    writeTable(path.join(data, 'BTCUSDT/klines.parquet'), klines);
    await expect(run(ok.ctx)).rejects.toThrow('data_sources[0] (BTCUSDT/klines.parquet) row 3: close is 0 in the candle of 2024-03-01 00:02');
  });
});
