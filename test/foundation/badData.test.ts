import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { run as importRun } from '../../src/jobs/import.ts';
import { run as merge } from '../../src/jobs/merge.ts';
import { readmePromises } from '../readmePromises.ts';

/** The README's promise about bad candles, word for word. */
const BAD_DATA_PROMISE =
  'Bad candles stop `itb merge` and `itb import` with one sentence naming the file and the line, and nothing is written: candles closer than `freq` or apart by other than whole bars (a larger step is a gap, and reported), two different rows for one time (identical repeats are dropped), a price of zero or below, a candle file without a `close` column.';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bad-data-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let caseNo = 0;

function context(freq: string, args: string[] = []): { ctx: JobContext; data: string; lines: string[] } {
  const data = path.join(root, `case${++caseNo}`);
  const config = buildConfig({ data_folder: data, symbol: 'BTCUSDT', freq, data_sources: [{ folder: 'BTCUSDT', file: 'klines' }] }, { env: {} }).config;
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error() {}, debug() {} };
  return { data, lines, ctx: { config, configFile: '', args, log: log as unknown as JobContext['log'], progress: () => {} } };
}

/** klines.csv of the case (header `timestamp,open,high,low,close,volume`), rows given as "HH:MM,o,h,l,c,v" on 2024-03-01. */
function klines(data: string, rows: string[]): string {
  const file = path.join(data, 'BTCUSDT', 'klines.csv');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, ['timestamp,open,high,low,close,volume', ...rows.map((r) => (r ? `2024-03-01 ${r.slice(0, 5)}:00${r.slice(5)}` : ''))].join('\n') + '\n');
  return file;
}

async function mergeFails(freq: string, rows: string[], message: string): Promise<void> {
  const { ctx, data } = context(freq);
  klines(data, rows);
  await expect(merge(ctx)).rejects.toThrow(message);
  expect(fs.existsSync(path.join(data, 'BTCUSDT', 'data.csv'))).toBe(false);
}

describe('itb merge names bad candles instead of writing a wrong data.csv', () => {
  it('candles closer than freq (freq: 5min on 1-minute candles)', async () => {
    await mergeFails(
      '5min',
      ['00:00,10,11,9,10,1', '00:01,10,11,9,10,1', '00:02,10,11,9,10,1'],
      'data_sources[0] (BTCUSDT/klines.csv) line 3: the candle of 2024-03-01 00:01:00 comes 1min after the one on line 2, closer than freq 5min allows (are these 1min candles? then set freq to match the file)',
    );
  });

  it('a spacing that is not whole bars', async () => {
    await mergeFails(
      '5min',
      ['00:00,10,11,9,10,1', '00:05,10,11,9,10,1', '00:12,10,11,9,10,1'],
      'data_sources[0] (BTCUSDT/klines.csv) line 4: the candle of 2024-03-01 00:12:00 comes 7min after the one on line 3, which is not a whole number of 5min bars',
    );
  });

  it('two different rows for one time name both lines (blank lines counted, the file unsorted)', async () => {
    await mergeFails(
      '1min',
      ['00:01,10,11,9,10,1', '00:00,10,11,9,11,1', '', '00:00,10,11,9,12,1'],
      'data_sources[0] (BTCUSDT/klines.csv) lines 3 and 5: two different candles for 2024-03-01 00:00:00 (close 11 and 12); keep the right one and delete the other',
    );
  });

  it('a price of zero or below', async () => {
    await mergeFails('1min', ['00:00,10,11,9,10,1', '00:01,10,11,0,10,1'], 'data_sources[0] (BTCUSDT/klines.csv) line 3: low is 0 in the candle of 2024-03-01 00:01:00; prices must be above zero');
    await mergeFails('1min', ['00:00,10,11,9,-10,1'], 'data_sources[0] (BTCUSDT/klines.csv) line 2: close is -10 in the candle of 2024-03-01 00:00:00; prices must be above zero');
  });

  it('a candle file without a close column', async () => {
    const { ctx, data } = context('1min');
    fs.mkdirSync(path.join(data, 'BTCUSDT'), { recursive: true });
    fs.writeFileSync(path.join(data, 'BTCUSDT', 'klines.csv'), 'timestamp,open,high,low,volume\n2024-03-01 00:00:00,10,11,9,1\n');
    await expect(merge(ctx)).rejects.toThrow('data_sources[0] (BTCUSDT/klines.csv) has no close column (columns: open, high, low, volume)');
  });

  it('accepts gaps (a whole number of bars, reported) and drops a row repeated identically', async () => {
    const { ctx, data, lines } = context('5min');
    klines(data, ['00:00,10,11,9,10,1', '00:05,10,11,9,10.5,1', '00:05,10,11,9,10.5,1', '00:20,10,11,9,11,1']);
    expect(await merge(ctx)).toBe(0);
    const rows = fs.readFileSync(path.join(data, 'BTCUSDT', 'data.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.map((r) => r.slice(11, 16))).toEqual(['00:00', '00:05', '00:10', '00:15', '00:20']);
    expect(lines).toContain('data_sources[0] (BTCUSDT/klines.csv): 2 missing bars; largest gaps: 2024-03-01 00:10:00 … 2024-03-01 00:15:00 (2)');
    expect(readmePromises()).toContain(BAD_DATA_PROMISE);
  });
});

describe('itb import names bad candles and leaves klines.csv as it was', () => {
  const STORED = 'timestamp,open,high,low,close,volume\n2023-12-31 23:55:00,1,1,1,1,1\n';

  async function importFails(freq: string, name: string, text: string, message: string): Promise<void> {
    const file = path.join(root, `in${++caseNo}`, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const { ctx, data } = context(freq, [file]);
    const target = path.join(data, 'BTCUSDT', 'klines.csv');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, STORED);
    await expect(importRun(ctx)).rejects.toThrow(message);
    expect(fs.readFileSync(target, 'utf8')).toBe(STORED);
  }

  // Binance dump rows (no header: line 1 is the first candle), 2024-01-01 00:00 and on.
  const dump = (minutes: number[], close = (i: number) => 42000 + i) =>
    minutes.map((m, i) => `${1704067200000 + m * 60_000},42000,42100,41900,${close(i)},1.5,${1704067259999 + m * 60_000},1,1,1,1,0`).join('\n') + '\n';

  it('1-minute candles into a 5min config', async () => {
    await importFails(
      '5min',
      'BTCUSDT-1m-2024-01-01.csv',
      dump([0, 1, 2]),
      'BTCUSDT-1m-2024-01-01.csv line 2: the candle of 2024-01-01 00:01:00 comes 1min after the one on line 1, closer than freq 5min allows (are these 1min candles? then set freq to match the file)',
    );
  });

  it('two different rows for one time, a zero price', async () => {
    await importFails('1min', 'twice.csv', dump([0, 1, 1]), 'twice.csv lines 2 and 3: two different candles for 2024-01-01 00:01:00 (close 42001 and 42002); keep the right one and delete the other');
    await importFails('1min', 'zero.csv', dump([0, 1], (i) => (i ? 0 : 42000)), 'zero.csv line 2: close is 0 in the candle of 2024-01-01 00:01:00; prices must be above zero');
  });
});
