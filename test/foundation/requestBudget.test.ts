import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { CcxtCandleSource } from '../../src/exchange/ccxt.ts';
import { RequestBudget, klinesWeight } from '../../src/exchange/requestBudget.ts';
import { parseFreq } from '../../src/core/time.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { makeCandles, MIN, T0 } from './candles.ts';

/** The candle requests of many symbols: concurrent up to a limit, within the exchange's weight per minute. */
describe('the request budget', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps at most `concurrency` requests in flight, admitting them in the order they asked', async () => {
    const budget = new RequestBudget({ weightPerMinute: 1200, concurrency: 3 });
    let inFlight = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        budget.run(1, async () => {
          order.push(i);
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(budget.stats).toEqual({ requests: 10, weight: 10, waitedForWeight: 0 });
  });

  it('spends at most the weight per minute in any sliding minute: a request that does not fit waits for old weight to age out', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget({ weightPerMinute: 10, concurrency: 10 }, () => Date.now());
    const admitted: number[] = [];
    const t0 = Date.now();
    const all = [4, 4, 4, 1].map((w, i) => budget.run(w, async () => void admitted.push(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toEqual([0, 1]);
    expect(budget.weightInWindow()).toBe(8);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(admitted).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1);
    // The third (4) fits once the first aged out; the fourth waited behind it, then fits too.
    expect(admitted).toEqual([0, 1, 2, 3]);
    await Promise.all(all);
    expect(Date.now() - t0).toBe(60_000);
    expect(budget.stats.waitedForWeight).toBe(1);
  });

  it('weighs a klines request by its limit, as Binance does', () => {
    expect([1, 99, 100, 499, 500, 1000, 1500].map(klinesWeight)).toEqual([1, 1, 2, 2, 5, 5, 10]);
  });
});

describe('candle sources share their exchange budget', () => {
  let fake: FakeBinance;
  beforeAll(async () => {
    fake = await startFakeBinance({ candles: { BTCUSDT: makeCandles(200), ETHUSDT: makeCandles(200, T0, MIN, 3) }, now: T0 + 150 * MIN + 5 });
  });
  afterAll(() => fake.close());

  it('every source of one exchange counts into one budget, each klines request with its weight', async () => {
    const config = buildConfig({ exchange: { api_root: fake.url, weight_per_minute: 1200, concurrent_requests: 4 } }, { env: {} }).config;
    const a = CcxtCandleSource.fromConfig(config);
    const b = CcxtCandleSource.fromConfig(config);
    expect(a.budget).toBeDefined();
    expect(b.budget).toBe(a.budget);
    // Binance's own spacing of requests is off: the budget does that job.
    expect(a.exchange.enableRateLimit).toBe(false);
    const before = { ...a.budget!.stats };
    const m1 = parseFreq('1min');
    await Promise.all([a.fetchCandles('BTCUSDT', m1, T0, 7), b.fetchCandles('ETHUSDT', m1, T0, 150)]);
    expect(a.budget!.stats.requests - before.requests).toBe(2);
    expect(a.budget!.stats.weight - before.weight).toBe(1 + 2);
    await a.close();
    await b.close();
  });
});
