import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { buildConfig } from '../../src/config/load.ts';
import { UserError } from '../../src/shared/errors.ts';
import { CcxtCandleSource, createExchange, fromCcxtSymbol, toCcxtSymbol, withRetry } from '../../src/exchange/ccxt.ts';
import { parseFreq } from '../../src/core/time.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { makeCandles, MIN, T0 } from './candles.ts';

let fake: FakeBinance;
beforeAll(async () => {
  fake = await startFakeBinance({ candles: { BTCUSDT: makeCandles(200) }, now: T0 + 100 * MIN + 5 });
});
afterAll(() => fake.close());

const configFor = (exchange: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  buildConfig({ exchange: { api_root: fake.url, ...exchange }, ...extra }, { env: {} }).config;

describe('symbols', () => {
  it('maps the original spelling to ccxt and back', () => {
    expect(toCcxtSymbol('BTCUSDT')).toBe('BTC/USDT');
    expect(toCcxtSymbol('ETHBTC')).toBe('ETH/BTC');
    expect(toCcxtSymbol('BTCFDUSD')).toBe('BTC/FDUSD');
    expect(toCcxtSymbol('SOL/USDC')).toBe('SOL/USDC');
    expect(fromCcxtSymbol('BTC/USDT')).toBe('BTCUSDT');
    expect(fromCcxtSymbol('ETH/USDT:USDT')).toBe('ETHUSDT');
    expect(() => toCcxtSymbol('FOOBAR')).toThrow(UserError);
  });
});

describe('createExchange', () => {
  it('takes keys and timeout from the config and points every API at api_root', () => {
    const ex = createExchange(configFor({ api_key: 'k-123456', api_secret: 's-123456', timeout_ms: 4321 }));
    expect(ex.apiKey).toBe('k-123456');
    expect(ex.secret).toBe('s-123456');
    expect(ex.timeout).toBe(4321);
    const urls = Object.values(ex.urls.api as Record<string, string>);
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.every((u) => u.startsWith(`${fake.url}/`))).toBe(true);
    expect((ex.urls.api as Record<string, string>).public).toBe(`${fake.url}/api/v3`);
  });

  it('loads spot markets with one call and reads the exchange filters', async () => {
    const before = fake.requests.length;
    const ex = createExchange(configFor({}));
    await ex.loadMarkets();
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/api/v3/exchangeInfo']);
    const btc = ex.market('BTC/USDT');
    expect(btc.precision.price).toBe(0.01);
    expect(btc.precision.amount).toBe(0.00001);
    expect(btc.limits.amount?.min).toBe(0.00001);
    expect(btc.limits.cost?.min).toBe(5);
    expect(ex.market('ETH/USDT').precision.amount).toBe(0.0001);
  });

  it('an exchange ccxt does not know is a user error; tld "us" means Binance.US', () => {
    expect(() => createExchange(configFor({ id: 'nosuchex' }))).toThrow('exchange.id "nosuchex" is not an exchange ccxt knows');
    expect(createExchange(configFor({}, { client_args: { tld: 'us' } })).id).toBe('binanceus');
  });

  it('a 429 carries its status and Retry-After for the retrier', async () => {
    const ex = createExchange(configFor({}));
    fake.injectFault({ path: '/api/v3/time', status: 429, headers: { 'Retry-After': '7' }, body: { code: -1003, msg: 'Too many requests' } });
    const err = (await ex.fetchTime().catch((e: unknown) => e)) as Error & { httpStatus?: number; retryAfterMs?: number };
    expect(err).toBeInstanceOf(ccxt.NetworkError);
    expect(err.httpStatus).toBe(429);
    expect(err.retryAfterMs).toBe(7000);
  });
});

describe('CcxtCandleSource on an exchange without Binance\'s raw klines', () => {
  it('goes through loadMarkets and fetchOHLCV, extras missing', async () => {
    const ex = createExchange(configFor({}));
    Object.defineProperty(ex, 'id', { value: 'someexchange' }); // any ccxt exchange other than Binance's family
    const source = new CcxtCandleSource(ex, { retries: 0 });
    const before = fake.requests.length;
    const got = await source.fetchCandles('BTCUSDT', parseFreq('1min'), T0 + 10 * MIN, 3);
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/api/v3/exchangeInfo', '/api/v3/klines']);
    const want = makeCandles(200).slice(10, 13);
    expect(got).toEqual(want.map((c) => ({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })));
  });
});

describe('withRetry', () => {
  const failing = (errors: unknown[]) => {
    let calls = 0;
    return {
      fn: async () => {
        const e = errors[calls++];
        if (e) throw e;
        return calls;
      },
      calls: () => calls,
    };
  };

  it('retries network trouble, 5xx and 429, then succeeds', async () => {
    const f = failing([new ccxt.RequestTimeout('t'), Object.assign(new ccxt.ExchangeNotAvailable('x'), { httpStatus: 502 }), Object.assign(new ccxt.DDoSProtection('r'), { httpStatus: 429, retryAfterMs: 5 })]);
    const warnings: string[] = [];
    expect(await withRetry(f.fn, { retries: 3, baseMs: 1, log: { warn: (m) => warnings.push(m) }, what: 'test call' })).toBe(4);
    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toBe('test call failed (HTTP 429); retry 3/3 in 0.0 s as Retry-After asks');
  });

  it('does not retry what will not pass: 4xx, bad symbols, user errors', async () => {
    for (const e of [Object.assign(new ccxt.ExchangeNotAvailable('404'), { httpStatus: 404 }), new ccxt.BadSymbol('no'), new UserError('malformed')]) {
      const f = failing([e]);
      await expect(withRetry(f.fn, { retries: 5, baseMs: 1 })).rejects.toBe(e);
      expect(f.calls()).toBe(1);
    }
  });

  it('gives up after the retries with the last error', async () => {
    const last = new ccxt.NetworkError('third');
    const f = failing([new ccxt.NetworkError('1'), new ccxt.NetworkError('2'), last]);
    await expect(withRetry(f.fn, { retries: 2, baseMs: 1 })).rejects.toBe(last);
    expect(f.calls()).toBe(3);
  });

  it('an abort ends the wait at once', async () => {
    const controller = new AbortController();
    const f = failing([new ccxt.NetworkError('down')]);
    const pending = withRetry(f.fn, { retries: 1, baseMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(f.calls()).toBe(1);
  });
});

describe('the fake exchange itself', () => {
  const klines = async (query: string) => {
    const res = await fetch(`${fake.url}/api/v3/klines?${query}`);
    return { status: res.status, body: (await res.json()) as unknown[] };
  };

  it('serves nothing after its clock and the open candle last', async () => {
    const { body } = await klines(`symbol=BTCUSDT&interval=1m&startTime=${T0 + 95 * MIN}&limit=1000`);
    expect(body.map((k) => (k as number[])[0])).toEqual([95, 96, 97, 98, 99, 100].map((i) => T0 + i * MIN));
  });

  it('without startTime gives the latest candles; limits are Binance\'s', async () => {
    const { body } = await klines('symbol=BTCUSDT&interval=1m&limit=2');
    expect(body.map((k) => (k as number[])[0])).toEqual([T0 + 99 * MIN, T0 + 100 * MIN]);
    expect((await klines('symbol=BTCUSDT&interval=1m&limit=1001')).status).toBe(400);
    expect((await klines('symbol=NOPE&interval=1m')).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });

  it('a fault after handling runs the handler and loses the reply', async () => {
    let handled = 0;
    fake.addRoute({ method: 'POST', path: '/api/v3/order', handle: () => (handled++, { body: { orderId: 1 } }) });
    fake.injectFault({ path: '/api/v3/order', status: 504, afterHandling: true });
    const res = await fetch(`${fake.url}/api/v3/order`, { method: 'POST', body: 'symbol=BTCUSDT&side=BUY' });
    expect(res.status).toBe(504);
    expect(handled).toBe(1);
    expect(fake.requests.at(-1)!.body.get('side')).toBe('BUY');
  });
});
