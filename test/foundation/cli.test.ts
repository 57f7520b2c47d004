import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { makeCandles, MIN, T0 } from './candles.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-cli-'));
const SAMPLE = path.resolve(import.meta.dirname, '../../data/sample/BTCUSDT/klines.csv.gz');
let fake: FakeBinance;
let errors: string[] = [];

beforeAll(async () => {
  fake = await startFakeBinance({ candles: { BTCUSDT: makeCandles(100) }, now: T0 + 30 * MIN });
});
afterAll(async () => {
  await fake.close();
  fs.rmSync(root, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

function configFile(name: string, body: Record<string, unknown>): string {
  const file = path.join(root, name);
  fs.writeFileSync(file, `// written by the test\n${JSON.stringify({ data_folder: path.join(root, 'data'), ...body }, null, 2)}\n`);
  return file;
}

async function itb(...argv: string[]): Promise<number> {
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
  return main(argv);
}

describe('the itb CLI for candles', () => {
  it('import the bundled sample, then merge it into data.csv', async () => {
    const cfg = configFile('sample.jsonc', { symbol: 'BTCUSDT', freq: '1min', train: true, train_length: 1000, features_horizon: 440, data_sources: [{ folder: 'BTCUSDT', file: 'klines', column_prefix: '' }] });
    expect(await itb('import', '-c', cfg, SAMPLE)).toBe(0);
    const klines = readCsv(path.join(root, 'data', 'BTCUSDT', 'klines.csv'));
    expect(klines.length).toBeGreaterThan(100_000);
    expect(await itb('merge', '--config', cfg)).toBe(0);
    const data = readCsv(path.join(root, 'data', 'BTCUSDT', 'data.csv'));
    // the row window: train_length + features_horizon tail rows, on the 1-minute raster
    expect(data.length).toBe(1440);
    expect(data.time[1439]).toBe(klines.time[klines.length - 1]);
    expect(data.time[1439]! - data.time[0]!).toBe(1439 * MIN);
    expect(data.columnNames()).toEqual(['open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_av', 'trades', 'tb_base_av', 'tb_quote_av', 'ignore']);
  });

  it('download through EXCHANGE_API_ROOT with the original spelling of a flag', async () => {
    const cfg = configFile('dl.jsonc', { venue: 'binance', freq: '1min', data_sources: [{ folder: 'ETHUSDT' }], exchange: { download_start: '2024-01-01', retry_base_ms: 10 } });
    fake.setCandles('ETHUSDT', makeCandles(100, T0, MIN, 3));
    vi.stubEnv('EXCHANGE_API_ROOT', fake.url);
    try {
      expect(await itb('download', '--config_file', cfg)).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(readCsv(path.join(root, 'data', 'ETHUSDT', 'klines.csv')).length).toBe(30);
  });

  it('LOG_LEVEL=verbose is one sentence and exit code 2, not a stack trace', async () => {
    const cfg = configFile('level.jsonc', { data_sources: [{ folder: 'BTCUSDT', file: 'klines' }] });
    const child = spawnSync(process.execPath, ['bin/itb.mjs', 'merge', '-c', cfg], { env: { ...process.env, LOG_LEVEL: 'verbose' }, encoding: 'utf8' });
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 2, stderr: 'LOG_LEVEL: "verbose" is not a log level (use one of fatal, error, warn, info, debug, trace, silent)\n' });
  });

  it('a user error is one line on stderr and a non-zero exit', async () => {
    const cfg = configFile('bad.jsonc', { data_sources: [{ folder: 'NOPE', file: 'klines.json' }] });
    expect(await itb('merge', '-c', cfg)).toBe(1);
    expect(errors).toEqual(['data_sources[0]: klines.json is neither .csv, .csv.gz nor .parquet']);
    expect(await itb('import', '-c', cfg)).toBe(1);
    expect(errors).toEqual(['name at least one file to import (usage: itb import -c CONFIG FILE… [--folder NAME])']);
    const broken = configFile('broken.jsonc', {});
    fs.appendFileSync(broken, '}');
    expect(await itb('merge', '-c', broken)).toBe(1);
    expect(errors[0]).toMatch(/^broken\.jsonc line \d+, column 1: /);
  });
});
