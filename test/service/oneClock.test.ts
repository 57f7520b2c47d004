import { describe, expect, it } from 'vitest';
import { checkOneProcess, oneReplayClock } from '../../src/app/service.ts';
import { buildConfig } from '../../src/config/load.ts';
import { ReplayCandleSource } from '../../src/core/exchange/replay.ts';
import { candlesToFrame } from '../../src/core/klines.ts';
import { HOUR, parseFreq, parseTime } from '../../src/core/time.ts';
import { UserError } from '../../src/shared/errors.ts';
import { readCsv } from '../../src/storage/csv.ts';

/** Several symbols of one process tick on one clock: candles of the same time are played together, never candles of different dates. */
const hourly = (from: string, n: number, price: number) =>
  candlesToFrame(Array.from({ length: n }, (_, i) => ({ time: parseTime(from) + i * HOUR, open: price, high: price + 1, low: price - 1, close: price, volume: 1 })));
const source = (frame: ReturnType<typeof hourly>, start: number) => new ReplayCandleSource(frame, parseFreq('1h'), { start, speed: 0 });
const symbol = (raw: Record<string, unknown>, label: string) => ({ config: buildConfig(raw, { env: {} }).config, file: '', label });

describe('one clock for the symbols of a process', () => {
  it('plays the bundled BTCUSDT and ETHUSDT slices together from the latest start; candles of one time come out together', async () => {
    const btc = source(readCsv('data/sample/demo-2symbols/BTCUSDT/klines.csv.gz'), parseTime('2023-11-01 00:00:00'));
    const eth = source(readCsv('data/sample/demo-2symbols/ETHUSDT/klines.csv.gz'), parseTime('2023-11-02 00:00:00'));
    const clock = oneReplayClock([{ symbol: 'BTCUSDT', source: btc }, { symbol: 'ETHUSDT', source: eth }]);
    expect(btc.now()).toBe(parseTime('2023-11-02 00:00:00'));
    clock.setNow(parseTime('2023-11-05 10:00:00'));
    const h = parseFreq('1h');
    const [b, e] = await Promise.all([btc.fetchCandles('BTCUSDT', h, 0, 10_000), eth.fetchCandles('ETHUSDT', h, 0, 10_000)]);
    expect(b.at(-1)!.time).toBe(parseTime('2023-11-05 09:00:00'));
    expect(e.at(-1)!.time).toBe(b.at(-1)!.time);
    expect(clock.finished()).toBe(false);
    clock.setNow(parseTime('2023-12-01 00:00:00'));
    expect(clock.finished()).toBe(true);
  });

  it('refuses replay files that share no dates, in one sentence', () => {
    const old = source(hourly('2023-01-01 00:00:00', 48, 1), parseTime('2023-01-01 10:00:00'));
    const recent = source(hourly('2025-01-01 00:00:00', 48, 2), parseTime('2025-01-01 10:00:00'));
    expect(() => oneReplayClock([{ symbol: 'ETHUSDT', source: old }, { symbol: 'BTCUSDT', source: recent }])).toThrow(
      new UserError('the replay files of ETHUSDT (2023-01-01 … 2023-01-02) and BTCUSDT (2025-01-01 … 2025-01-02) share no dates to replay, and symbols on one clock replay the same dates: give them files of the same period'),
    );
  });

  it('replays only the dates files of different lengths share, and says so', () => {
    const long = source(hourly('2023-01-01 00:00:00', 96, 1), parseTime('2023-01-01 10:00:00'));
    const short = source(hourly('2023-01-02 00:00:00', 24, 2), parseTime('2023-01-02 05:00:00'));
    const warned: string[] = [];
    const clock = oneReplayClock([{ symbol: 'A', source: long }, { symbol: 'B', source: short }], { warn: (m: string) => void warned.push(m) } as never);
    expect(clock.now()).toBe(parseTime('2023-01-02 05:00:00'));
    clock.setNow(parseTime('2023-01-03 00:00:00'));
    expect(clock.finished()).toBe(true);
    expect(warned).toEqual(['the replay files cover different dates: replaying 2023-01-02 05:00:00 … 2023-01-03 00:00:00, which they all cover']);
  });

  it('refuses symbols of different frequencies, venues or bots in one process', () => {
    const btc = symbol({ symbol: 'BTCUSDT', freq: '1h', venue: 'replay' }, 'btc.jsonc');
    expect(() => checkOneProcess([btc, symbol({ symbol: 'ETHUSDT', freq: '1min', venue: 'replay' }, 'eth.jsonc')])).toThrow(
      'the symbols of one process tick on one clock, so they need one freq: BTCUSDT has 1h (btc.jsonc), ETHUSDT has 1min (eth.jsonc)',
    );
    expect(() => checkOneProcess([btc, symbol({ symbol: 'ETHUSDT', freq: '1h', venue: 'binance' }, 'eth.jsonc')])).toThrow(
      'the symbols of one process tick on one clock, so they are all replayed or all live: BTCUSDT has venue "replay" (btc.jsonc), ETHUSDT has "binance" (eth.jsonc)',
    );
    const tokens = (t: string, s: string) => symbol({ symbol: s, freq: '1h', venue: 'replay', telegram: { token: t } }, `${s}.jsonc`);
    expect(() => checkOneProcess([tokens('1:aaaaaa', 'BTCUSDT'), tokens('2:bbbbbb', 'ETHUSDT')])).toThrow(/^one process runs one Telegram bot, and BTCUSDT\.jsonc and ETHUSDT\.jsonc name different bot tokens/);
    expect(() => checkOneProcess([btc, symbol({ symbol: 'ETHUSDT', freq: '1h', venue: 'replay' }, 'eth.jsonc')])).not.toThrow();
  });
});
