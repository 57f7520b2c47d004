import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { ReplayCandleSource } from '../../src/core/exchange/replay.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import { parseFreq, parseTime, MINUTE } from '../../src/core/time.ts';
import { tickSchedule } from '../../src/jobs/service/cron.ts';
import { ReplayScheduler } from '../../src/jobs/service/scheduler.ts';
import { openReplaySource, resolveVenue } from '../../src/jobs/service/source.ts';

const T0 = parseTime('2025-11-20 00:00:00');
const m1 = parseFreq('1min');

function klines(n: number, t0 = T0) {
  return frameFromRows(Array.from({ length: n }, (_, i) => ({ timestamp: t0 + i * MINUTE, open: i, high: i + 1, low: i - 1, close: i + 0.5, volume: 1 })));
}

describe('the replay venue', () => {
  it('shows a candle only once its bar has closed on the simulated clock', async () => {
    const src = new ReplayCandleSource(klines(10), m1, { start: T0 + 3 * MINUTE + 1000, speed: 0 });
    expect((await src.fetchCandles('BTCUSDT', m1, 0, 100)).map((c) => c.close)).toEqual([0.5, 1.5, 2.5]);
    src.setNow(T0 + 5 * MINUTE);
    expect((await src.fetchCandles('BTCUSDT', m1, T0 + MINUTE, 2)).map((c) => c.time)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
    src.setNow(T0); // never backwards
    expect(src.now()).toBe(T0 + 5 * MINUTE);
  });

  it('runs N× real time on its own clock', () => {
    let wall = 0;
    const src = new ReplayCandleSource(klines(10), m1, { start: T0, speed: 60, wallNow: () => wall });
    wall = 1000;
    expect(src.now()).toBe(T0 + MINUTE);
    src.setSpeed(0);
    wall = 5000;
    expect(src.now()).toBe(T0 + MINUTE);
  });

  it('refuses a file of another frequency, in one sentence', () => {
    expect(() => new ReplayCandleSource(klines(10), parseFreq('5min'), { start: T0, speed: 0 }, 'klines.csv')).toThrow(
      'replay: klines.csv has bars every 1 minutes but freq is 5min (use a klines file of that frequency)',
    );
  });

  it('is scheduled by the simulated clock: one tick per bar, fast, until the file ends', async () => {
    const src = new ReplayCandleSource(klines(30), m1, { start: T0 + 20 * MINUTE + 1000, speed: 0 });
    const fired: number[] = [];
    await new ReplayScheduler(tickSchedule('1min'), src).run(async (t) => void fired.push(t));
    expect(fired).toEqual(Array.from({ length: 10 }, (_, k) => T0 + (21 + k) * MINUTE + 1000));
    expect(src.finished()).toBe(true);
  });

  it('ends at replay.end: the bar opening then is not played', async () => {
    const config = buildConfig({ venue: 'replay', replay: { file: 'data/sample/BTCUSDT/klines.csv', start: '2025-11-29 10:00:00', end: '2025-11-29 10:05:00' } }, { env: {} }).config;
    const src = openReplaySource(config);
    const fired: number[] = [];
    await new ReplayScheduler(tickSchedule('1min'), src).run(async (t) => void fired.push(t));
    expect(fired.map((t) => new Date(t).toISOString().slice(11, 19))).toEqual(['10:01:01', '10:02:01', '10:03:01', '10:04:01', '10:05:01']);
    expect(() => openReplaySource({ ...config, replay: { ...config.replay, end: 'soon' } })).toThrow('config: key replay.end: "soon" is not a date (expected e.g. 2025-11-28 00:00:00)');
  });

  it('stops after maxTicks', async () => {
    const src = new ReplayCandleSource(klines(30), m1, { start: T0 + 1000, speed: 0 });
    const s = new ReplayScheduler(tickSchedule('1min'), src, { maxTicks: 4 });
    let n = 0;
    await s.run(async () => void n++);
    expect(n).toBe(4);
  });

  it('opens the configured file and starts after the warm-up, or resumes after the last processed bar', () => {
    const config = buildConfig({ venue: 'replay', replay: { file: 'data/sample/BTCUSDT/klines.csv' }, features_horizon: 100, predict_length: 20 }, { env: {} }).config;
    const src = openReplaySource(config);
    expect(src.now()).toBe(src.firstTime + 120 * MINUTE + 1000);
    const resumed = openReplaySource(config, { resumeAfter: src.firstTime + 500 * MINUTE });
    expect(resumed.now()).toBe(src.firstTime + 501 * MINUTE + 1000);
    expect(() => openReplaySource({ ...config, replay: { ...config.replay, file: 'nope/klines.csv' } })).toThrow(/config: key replay.file: nope\/klines.csv does not exist/);
  });

  it('rejects venues it cannot serve', () => {
    const cfg = (venue: string) => buildConfig({ venue }, { env: {} }).config;
    expect(resolveVenue(cfg('replay'), [])).toBe('replay');
    expect(resolveVenue(cfg('Binance'), ['binance'])).toBe('binance');
    expect(() => resolveVenue(cfg('nasdaq'), ['binance'])).toThrow('config: key venue: unknown venue "nasdaq" (use "replay" or a ccxt exchange id such as "binance")');
    expect(() => resolveVenue(cfg('mt5'), ['binance'])).toThrow(/"mt5" is not supported/);
    expect(() => resolveVenue(cfg(''), ['binance'])).toThrow(/key venue: not set/);
  });
});
