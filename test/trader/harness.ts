/**
 * The two brokers behind one test harness: the paper wallet, and the live broker on ccxt against
 * the loopback Binance fake with its order endpoints. A bar "closes" for both the same way.
 */
import { buildConfig } from '../../src/config/load.ts';
import { createExchange } from '../../src/core/exchange/ccxt.ts';
import { LiveBroker } from '../../src/core/exchange/ccxtBroker.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import type { Broker } from '../../src/core/trader/broker.ts';
import { PaperBroker, emptyPaperWallet, type PaperWalletStore } from '../../src/core/trader/paperBroker.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { attachOrderEndpoints, type FakeOrderBook } from '../fakes/binanceOrders.ts';

export const T0 = Date.UTC(2025, 0, 6, 10, 0); // a Monday, 10:00 UTC
export const MIN = 60_000;
export const FEE = 0.001;

/** A 1-minute candle at T0 + i minutes. */
export function bar(i: number, o: number, h: number, l: number, c: number, volume = 50): Candle {
  return { time: T0 + i * MIN, open: o, high: h, low: l, close: c, volume };
}

export interface BrokerHarness {
  kind: 'paper' | 'live';
  broker: Broker;
  /**
   * Where a buy's fee is taken: the paper wallet charges quote; the fake, as Binance without BNB,
   * takes it from the base asset bought, so a buy of q delivers q × (1 − FEE).
   */
  buyFeeInBase: boolean;
  /** Moves the exchange's clock and the client's on by `ms` at once, as if that much time had passed (live only). */
  passTime(ms: number): void;
  /** The clock both sides read: a second after the last closed bar. */
  now(): number;
  /** A bar closes: the paper wallet observes it; the fake serves it and its clock passes its close. */
  closeBar(c: Candle): Promise<void>;
  /** Another broker on the same account (a restarted process). */
  reopen(): Promise<Broker>;
  close(): Promise<void>;
  fake?: FakeBinance;
  book?: FakeOrderBook;
}

export async function paperHarness(balances: Record<string, number>): Promise<BrokerHarness> {
  let now = T0;
  const store: PaperWalletStore = { data: emptyPaperWallet(balances), write: async () => {} };
  const make = () => new PaperBroker({ initialBalances: balances, fees: FEE, clock: () => now, store });
  const broker = make();
  return {
    kind: 'paper',
    broker,
    buyFeeInBase: false,
    passTime: () => {},
    now: () => now,
    async closeBar(c) {
      now = c.time + MIN + 1000;
      await broker.observeBar('BTCUSDT', c);
    },
    reopen: async () => make(),
    close: async () => {},
  };
}

export function liveConfig(url: string, timeoutMs = 2000) {
  return buildConfig(
    { symbol: 'BTCUSDT', exchange: { api_root: url, api_key: 'test-key-123456', api_secret: 'test-secret-123456', timeout_ms: timeoutMs, retries: 2, retry_base_ms: 10 } },
    { env: {} },
  ).config;
}

export async function liveHarness(balances: Record<string, number>, opts: { timeoutMs?: number; recvWindowMs?: number } = {}): Promise<BrokerHarness> {
  let now = T0;
  const fake = await startFakeBinance({ now });
  const book = attachOrderEndpoints(fake, { balances, fee: FEE, apiKey: 'test-key-123456' });
  book.setNow(now);
  const candles: Candle[] = [];
  const config = liveConfig(fake.url, opts.timeoutMs);
  const brokers: LiveBroker[] = [];
  let skew = 0;
  const make = () => {
    const exchange = createExchange(config);
    exchange.enableRateLimit = false; // the loopback fake has no rate limit; keeps the suite fast
    if (opts.recvWindowMs) exchange.options.recvWindow = opts.recvWindowMs;
    exchange.options.timeDifference = -skew; // a reopened client keeps the clock the others have
    const b = new LiveBroker(exchange, { retries: 2, baseMs: 10 });
    brokers.push(b);
    return b;
  };
  const broker = make();
  return {
    kind: 'live',
    broker,
    buyFeeInBase: true,
    passTime(ms) {
      skew += ms;
      book.passTime(ms);
      for (const b of brokers) b.exchange.options.timeDifference = -skew;
    },
    fake,
    book,
    now: () => now,
    async closeBar(c) {
      candles.push(c);
      book.setCandles('BTCUSDT', candles);
      now = c.time + MIN + 1000;
      book.setNow(now);
    },
    reopen: async () => make(),
    async close() {
      for (const b of brokers) await b.close();
      await fake.close();
    },
  };
}
