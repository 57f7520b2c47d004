import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { UserError } from '../../src/shared/errors.ts';
import { CcxtCandleSource, MalformedResponseError } from '../../src/exchange/ccxt.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import { formatTime, parseFreq } from '../../src/core/time.ts';
import { downloadKlines, run } from '../../src/jobs/download.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import type { ProgressEvent } from '../../src/shared/progress.ts';
import { readCsv, writeCsv } from '../../src/storage/csv.ts';
import { candlesToFrame } from '../../src/core/klines.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { makeCandles, MIN, T0 } from './candles.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-download-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const CANDLES = makeCandles(3000);
let fake: FakeBinance;
let dataFolder: string;
let caseNo = 0;

beforeEach(async () => {
  fake = await startFakeBinance({ candles: { BTCUSDT: CANDLES } });
  dataFolder = path.join(root, `case${++caseNo}`);
});
afterEach(async () => {
  await fake.close();
});

function config(extra: Record<string, unknown> = {}): Config {
  return buildConfig(
    {
      venue: 'binance',
      freq: '1min',
      data_folder: dataFolder,
      data_sources: [{ folder: 'BTCUSDT', file: 'klines', column_prefix: '' }],
      exchange: { api_root: fake.url, retry_base_ms: 20, retries: 3, timeout_ms: 2000, download_start: formatTime(T0) },
      ...extra,
    },
    { env: {} },
  ).config;
}

const quietLog = { info() {}, warn() {}, error() {}, debug() {} };

function context(cfg: Config, over: Partial<JobContext> = {}): JobContext {
  return { config: cfg, configFile: '', args: [], log: quietLog as unknown as JobContext['log'], progress: () => {}, ...over };
}

const klinesFile = () => path.join(dataFolder, 'BTCUSDT', 'klines.csv');
const klineRequests = () => fake.requests.filter((r) => r.path === '/api/v3/klines');

/** The stored file equals the fake's candles [0, n), every column, no gap, no duplicate. */
function expectStoredCandles(n: number, candles: Candle[] = CANDLES): void {
  const f = readCsv(klinesFile());
  expect(f.length).toBe(n);
  expect(f.columnNames()).toEqual(['open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_av', 'trades', 'tb_base_av', 'tb_quote_av', 'ignore']);
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    if (f.time[i] !== c.time) throw new Error(`row ${i}: time ${formatTime(f.time[i]!)} instead of ${formatTime(c.time)}`);
    expect([f.get('open')[i], f.get('high')[i], f.get('low')[i], f.get('close')[i], f.get('volume')[i]]).toEqual([c.open, c.high, c.low, c.close, c.volume]);
    expect([f.get('close_time')[i], f.get('quote_av')[i], f.get('trades')[i], f.get('tb_base_av')[i], f.get('tb_quote_av')[i]]).toEqual([
      c.closeTime, c.quoteVolume, c.trades, c.takerBuyBase, c.takerBuyQuote,
    ]);
  }
}

describe('itb download against the fake exchange', () => {
  it('pages through klines from download_start and keeps only closed candles', async () => {
    fake.setNow(T0 + 2400 * MIN + 30_000); // candle 2400 is still open
    await run(context(config()));
    expectStoredCandles(2400);
    const pages = klineRequests();
    expect(pages.map((r) => Number(r.query.get('startTime')))).toEqual([T0, T0 + 1000 * MIN, T0 + 2000 * MIN]);
    expect(pages.every((r) => r.query.get('limit') === '1000' && r.query.get('symbol') === 'BTCUSDT' && r.query.get('interval') === '1m')).toBe(true);
    // markets, currencies and margins are never asked for
    expect(fake.requests.map((r) => r.path).filter((p) => p !== '/api/v3/klines')).toEqual(['/api/v3/time']);
  });

  it('writes the original klines.csv layout', async () => {
    fake.setNow(T0 + 3 * MIN);
    await run(context(config()));
    const lines = fs.readFileSync(klinesFile(), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp,open,high,low,close,volume,close_time,quote_av,trades,tb_base_av,tb_quote_av,ignore');
    expect(lines).toHaveLength(4);
    const c = CANDLES[0]!;
    expect(lines[1]).toBe(
      `2024-01-01 00:00:00,${c.open},${c.high},${c.low},${c.close},${c.volume},${c.closeTime},${c.quoteVolume},${c.trades},${c.takerBuyBase},${c.takerBuyQuote},0`,
    );
  });

  it('resumes from the 5th-from-last stored row: the overlap is replaced, nothing doubled', async () => {
    fake.setNow(T0 + 1500 * MIN);
    await run(context(config()));
    expectStoredCandles(1500);
    fake.requests.length = 0;
    fake.setNow(T0 + 2600 * MIN + 1);
    await run(context(config()));
    expectStoredCandles(2600);
    expect(Number(klineRequests()[0]!.query.get('startTime'))).toBe(T0 + 1495 * MIN);
  });

  it('an aborted run keeps what arrived, and the next run fills the rest', async () => {
    fake.setNow(T0 + 2900 * MIN);
    const controller = new AbortController();
    const cfg = config();
    const source = CcxtCandleSource.fromConfig(cfg);
    const result = await downloadKlines({
      source,
      symbol: 'BTCUSDT',
      freq: parseFreq('1min'),
      file: klinesFile(),
      startMs: T0,
      signal: controller.signal,
      progress: (ev: ProgressEvent) => {
        if (ev.done >= 2000) controller.abort();
      },
    });
    expect(result.interrupted).toBe(true);
    expectStoredCandles(2000);
    await run(context(cfg));
    expectStoredCandles(2900);
  });

  it('a failure that outlasts the retries keeps the pages before it; the next run resumes', async () => {
    fake.setNow(T0 + 2900 * MIN);
    // pages 1 and 2 succeed, then the exchange fails for longer than 1 + 3 retries
    fake.addRoute({
      method: 'GET',
      path: '/api/v3/klines',
      handle: (req) => {
        if (Number(req.query.get('startTime')) >= T0 + 2000 * MIN) return { status: 502, body: 'Bad Gateway' };
        return undefined;
      },
    });
    await expect(run(context(config()))).rejects.toThrow(/download of BTCUSDT stopped: the exchange is unreachable after 3 retries/);
    expectStoredCandles(2000);
    expect(klineRequests()).toHaveLength(2 + 4);

    await fake.close();
    fake = await startFakeBinance({ candles: { BTCUSDT: CANDLES }, now: T0 + 2900 * MIN });
    await run(context(config()));
    expectStoredCandles(2900);
  });

  it('a killed process keeps the pages saved so far; the next run resumes', async () => {
    fake.setNow(T0 + 2900 * MIN);
    let release = () => {};
    const stalled = new Promise<void>((resolve) => (release = resolve));
    fake.addRoute({
      method: 'GET',
      path: '/api/v3/klines',
      handle: async (req) => {
        if (Number(req.query.get('startTime')) >= T0 + 2000 * MIN) await stalled; // page 3 hangs until the kill
        return undefined;
      },
    });
    const cfgFile = path.join(root, `crash${caseNo}.jsonc`);
    fs.writeFileSync(
      cfgFile,
      JSON.stringify({
        venue: 'binance',
        freq: '1min',
        data_folder: dataFolder,
        data_sources: [{ folder: 'BTCUSDT', file: 'klines' }],
        exchange: { api_root: fake.url, timeout_ms: 60_000, download_start: formatTime(T0), download_save_every_s: 0 },
      }),
    );
    const child = spawn(process.execPath, [path.resolve(import.meta.dirname, '../../bin/itb.mjs'), 'download', '-c', cfgFile], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 30_000;
      while (klineRequests().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(klineRequests()).toHaveLength(3);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      child.kill('SIGKILL');
      release();
    }
    expectStoredCandles(2000);
    expect(fs.readdirSync(path.dirname(klinesFile())).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await run(context(config()));
    expectStoredCandles(2900);
  });

  it('honours Retry-After on 429 before asking again', async () => {
    fake.setNow(T0 + 10 * MIN);
    fake.injectFault({ path: '/api/v3/klines', status: 429, headers: { 'Retry-After': '1' }, body: { code: -1003, msg: 'Too many requests' } });
    await run(context(config()));
    expectStoredCandles(10);
    const [limited, retried] = klineRequests();
    expect(retried!.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(1000);
    expect(klineRequests()).toHaveLength(2);
  });

  it('retries 5xx answers with backoff', async () => {
    fake.setNow(T0 + 10 * MIN);
    fake.injectFault({ path: '/api/v3/klines', status: 503, body: 'Service Unavailable', times: 2 });
    await run(context(config()));
    expectStoredCandles(10);
    const times = klineRequests().map((r) => r.receivedAt);
    expect(times).toHaveLength(3);
    // backoff doubles: 20 ms, then 40 ms (retry_base_ms 20)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(20);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(40);
  });

  it('retries a request that times out', async () => {
    fake.setNow(T0 + 10 * MIN);
    fake.injectFault({ path: '/api/v3/klines', delayMs: 1500 });
    await run(context(config({ exchange: { api_root: fake.url, retry_base_ms: 20, retries: 3, timeout_ms: 300, download_start: formatTime(T0) } })));
    expectStoredCandles(10);
    expect(klineRequests()).toHaveLength(2);
  });

  it('a malformed body is one clear error and the file stays byte for byte', async () => {
    fake.setNow(T0 + 1200 * MIN);
    await run(context(config()));
    const before = fs.readFileSync(klinesFile());
    fake.setNow(T0 + 2900 * MIN);
    fake.injectFault({ path: '/api/v3/klines', body: '[[1704067200000,"42000.1"' }); // truncated JSON
    const err = await run(context(config())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as Error).message).toMatch(/^the exchange sent a malformed answer for klines BTCUSDT 1m from 2024-01-01 19:55:00: expected a list of klines/);
    expect(fs.readFileSync(klinesFile()).equals(before)).toBe(true);
    expect(klineRequests().length).toBe(2 + 1); // not retried
  });

  it('a malformed page after good ones still leaves the file unchanged', async () => {
    fake.setNow(T0 + 500 * MIN);
    await run(context(config()));
    const before = fs.readFileSync(klinesFile());
    fake.setNow(T0 + 2900 * MIN);
    fake.addRoute({
      method: 'GET',
      path: '/api/v3/klines',
      handle: (req) => {
        if (Number(req.query.get('startTime')) > T0 + 1000 * MIN) return { body: [[T0, '1', '2', '3', 'x', '5', 0, '0', 0, '0', '0', '0']] };
        return undefined;
      },
    });
    await expect(run(context(config()))).rejects.toThrow(/kline 0 \(2024-01-01 00:00:00\) has no valid close/);
    expect(fs.readFileSync(klinesFile()).equals(before)).toBe(true);
  });

  it('download_max_rows keeps only the newest rows', async () => {
    fake.setNow(T0 + 1200 * MIN);
    await run(context(config({ download_max_rows: 100 })));
    const f = readCsv(klinesFile());
    expect(f.length).toBe(100);
    expect(f.time[0]).toBe(T0 + 1100 * MIN);
    expect(f.time[99]).toBe(T0 + 1199 * MIN);
  });

  it('hourly bars come from the hourly endpoint, aggregated by the exchange', async () => {
    fake.setNow(T0 + 2999 * MIN);
    await run(context(config({ freq: '1h' })));
    const f = readCsv(klinesFile());
    expect(klineRequests()[0]!.query.get('interval')).toBe('1h');
    expect(f.length).toBe(49); // hours 0..48 have closed by minute 2999 (hour 49 is open)
    expect(f.get('open')[1]).toBe(CANDLES[60]!.open);
    expect(f.get('close')[1]).toBe(CANDLES[119]!.close);
    expect(f.get('high')[1]).toBe(Math.max(...CANDLES.slice(60, 120).map((c) => c.high)));
  });

  it('an unknown market is one sentence naming it', async () => {
    fake.setNow(T0 + 10 * MIN);
    const err = await run(context(config({ data_sources: [{ folder: 'BTCUSDX', file: 'klines', column_prefix: '' }] }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('exchange binance has no market BTCUSDX (data_sources folder)');
  });

  it('every data source folder gets its file; a gzipped file is continued in place', async () => {
    const eth = makeCandles(50, T0, MIN, 99);
    fake.setCandles('ETHUSDT', eth);
    fake.setNow(T0 + 40 * MIN);
    const cfg = config({ data_sources: [{ folder: 'BTCUSDT', file: 'klines' }, { folder: 'ETHUSDT', file: 'klines' }, { folder: 'BTCUSDT', file: 'klines' }] });
    // BTCUSDT starts from a gzipped file of its first 20 candles (the way the bundled sample ships)
    writeCsv(`${klinesFile()}.gz`, candlesToFrame(CANDLES.slice(0, 20)));
    await run(context(cfg));
    expect(fs.existsSync(klinesFile())).toBe(false);
    fs.writeFileSync(klinesFile(), zlib.gunzipSync(fs.readFileSync(`${klinesFile()}.gz`)));
    expectStoredCandles(40);
    const ethFile = readCsv(path.join(dataFolder, 'ETHUSDT', 'klines.csv'));
    expect(ethFile.length).toBe(40);
    expect(ethFile.get('close')[39]).toBe(eth[39]!.close);
  });

  it('an unreachable exchange is retried, then one sentence', async () => {
    const closed = await startFakeBinance();
    const url = closed.url;
    await closed.close();
    const cfg = config({ exchange: { api_root: url, retry_base_ms: 10, retries: 2, timeout_ms: 1000, download_start: formatTime(T0) } });
    const err = await run(context(cfg)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^download of BTCUSDT stopped: the exchange is unreachable after 2 retries \(.*\); what arrived is saved, run again to resume$/);
  });

  it('refuses venues it cannot download from', async () => {
    await expect(run(context(config({ venue: 'mt5' })))).rejects.toThrow(/MetaTrader 5/);
    expect(fake.requests).toHaveLength(0);
  });
});
