import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import type { Frame } from '../../src/core/frame.ts';
import { parseTime, MINUTE } from '../../src/core/time.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { log } from '../../src/shared/log.ts';
import type { BarOutput, BarScorer, OutputBar, ScoredBar } from '../../src/jobs/service/ports.ts';
import { ServiceState } from '../../src/jobs/service/state.ts';
import { Signaler } from '../../src/jobs/service/signaler.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { FakeExchangeClock, frameToCandles } from './exchangeClock.ts';

/**
 * The tick against the loopback Binance fake through the real ccxt adapter: rate limits,
 * server errors, timeouts and a missing candle. A stand-in scorer (last close) keeps the focus
 * on fetching; the real scorer is covered by online-offline.test.ts.
 */
class LastClose implements BarScorer {
  readonly outputColumns = ['close_seen'];
  init(): void {}
  push(c: Candle): ScoredBar {
    return { time: c.time, values: { close_seen: c.close }, complete: true, computeMs: 0 };
  }
}

class FreshBars implements BarOutput {
  readonly name = 'fresh';
  times: number[] = [];
  async run(bar: OutputBar): Promise<void> {
    if (bar.fresh) this.times.push(bar.candle.time);
  }
}

const START = parseTime('2025-11-20 00:00:00');
let klines: Frame;
let fake: FakeBinance;
let dir: string;

beforeAll(async () => {
  const all = readCsv('data/sample/BTCUSDT/klines.csv.gz');
  klines = all.slice(all.lowerBound(START - 200 * MINUTE), all.lowerBound(START + 60 * MINUTE));
  fake = await startFakeBinance();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function setup(candles: Candle[] = frameToCandles(klines)) {
  fake.setCandles('BTCUSDT', candles);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-faults-'));
  const config = buildConfig(
    {
      venue: 'binance',
      data_folder: dir,
      freq: '1min',
      features_horizon: 20,
      predict_length: 5,
      exchange: { api_root: fake.url, timeout_ms: 400, retries: 3, retry_base_ms: 20 },
    },
    { env: {} },
  ).config;
  const clock = new FakeExchangeClock(config, fake, START + 1000, START + 60 * MINUTE);
  const output = new FreshBars();
  const adminMessages: string[] = [];
  const signaler = new Signaler({
    config,
    source: clock,
    scorer: new LastClose(),
    outputs: [output],
    state: await ServiceState.open(path.join(dir, 'state')),
    admins: { notifyAdmins: async (t) => void adminMessages.push(t) },
    log: log(),
  });
  await signaler.start();
  const tickAt = async (k: number) => {
    clock.setNow(START + k * MINUTE + 1000);
    return signaler.tick();
  };
  return { clock, signaler, output, adminMessages, tickAt };
}

const minutes = (times: number[]) => times.map((t) => (t - START) / MINUTE);

describe('exchange faults during ticks', () => {
  it('retries 429 (honouring Retry-After), 5xx and timeouts inside the tick: nothing is lost or reported', async () => {
    const { output, adminMessages, tickAt } = await setup();
    await tickAt(1);
    fake.injectFault({ path: '/api/v3/klines', status: 429, headers: { 'Retry-After': '0' }, body: { code: -1003, msg: 'Too many requests.' } });
    await tickAt(2);
    fake.injectFault({ path: '/api/v3/klines', status: 503, times: 2 });
    await tickAt(3);
    fake.injectFault({ path: '/api/v3/klines', delayMs: 1500 });
    const r = await tickAt(4);
    expect(r?.error).toBeUndefined();
    expect(minutes(output.times)).toEqual([0, 1, 2, 3]);
    expect(adminMessages).toEqual([]);
  });

  it('a tick that fails after its retries tells the admins once; the next tick backfills in order', async () => {
    const { output, adminMessages, tickAt, signaler } = await setup();
    await tickAt(1);
    fake.injectFault({ path: '/api/v3/klines', status: 502, times: 8 }); // two ticks' worth of attempts
    expect((await tickAt(2))?.error).toMatch(/502|Bad Gateway|ExchangeNotAvailable/i);
    expect((await tickAt(3))?.error).toBeDefined();
    expect(adminMessages).toHaveLength(1);
    const r = await tickAt(4);
    expect(r?.bars).toBe(3);
    expect(adminMessages).toHaveLength(2);
    expect(adminMessages[1]).toMatch(/recovered after 2 failed tick/);
    expect(signaler.state.readHistory().map((h) => h.time)).toEqual(['2025-11-20 00:00:00', '2025-11-20 00:01:00', '2025-11-20 00:02:00', '2025-11-20 00:03:00']);
    // A bar older than trader.max_data_age_bars (2) when it arrives is recorded but not alerted or traded on.
    expect(minutes(output.times)).toEqual([0, 2, 3]);
  });

  it('a candle missing in the middle is a gap: marked, reported in the state, not scored as fresh', async () => {
    const candles = frameToCandles(klines).filter((c) => c.time !== START + 10 * MINUTE);
    const { output, tickAt, signaler } = await setup(candles);
    for (let k = 1; k <= 40; k++) await tickAt(k);
    expect(signaler.health().gaps).toEqual([{ from: START + 10 * MINUTE, to: START + 11 * MINUTE, missingBars: 1 }]);
    const statuses = signaler.state.readHistory().map((h) => h.status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill('ok'));
    expect(statuses.slice(10, 30)).toEqual(Array(20).fill('gap'));
    expect(statuses.slice(30)).toEqual(Array(9).fill('ok'));
    expect(minutes(output.times)).toEqual([...Array.from({ length: 10 }, (_, k) => k), ...Array.from({ length: 9 }, (_, k) => 31 + k)]);
  });
});
