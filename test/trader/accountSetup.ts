/**
 * Several symbols' traders on one account, built as the service builds them (app/trader.ts
 * openTraders) from configs that differ only in their symbol: the paper wallet in a temporary
 * data folder, or the loopback Binance fake's account behind one live broker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import type { Trader, TraderTick } from '../../src/core/trader/trader.ts';
import { createExchange } from '../../src/exchange/ccxt.ts';
import { LiveBroker } from '../../src/exchange/ccxtBroker.ts';
import { openTraders, type OpenedTraders } from '../../src/app/trader.ts';
import type { StateFileRecovery } from '../../src/storage/jsonStore.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { attachOrderEndpoints, type FakeOrderBook } from '../fakes/binanceOrders.ts';
import { FEE, MIN, T0 } from './harness.ts';

export type Signal = { buy?: boolean; sell?: boolean };

/** A 1-minute candle of any symbol at T0 + i minutes. */
export function candle(i: number, o: number, h: number, l: number, c: number, volume = 1000): Candle {
  return { time: T0 + i * MIN, open: o, high: h, low: l, close: c, volume };
}

export interface AccountRig {
  kind: 'paper' | 'live';
  dir: string;
  configs: Config[];
  opened: OpenedTraders;
  /** What the traders and the account told the admins. */
  told: string[];
  /** Damaged state files found when opening. */
  reports: StateFileRecovery[];
  trader(symbol: string): Trader;
  /**
   * The bars close on the exchange (or the paper wallet sees them), then every trader named gets
   * its bar at once, as the service's one schedule ticks all pipelines together.
   */
  step(bars: Record<string, readonly [Candle, Signal?]>): Promise<Record<string, TraderTick>>;
  /** The same account opened again from its files (a restarted process). */
  reopen(): Promise<AccountRig>;
  close(): Promise<void>;
  book?: FakeOrderBook;
}

export interface AccountRigOptions {
  kind: 'paper' | 'live';
  symbols: string[];
  trader?: Record<string, unknown>;
  /** Paper: trader.initial_balances; live: the fake account's balances. */
  balances?: Record<string, number>;
  dir?: string;
}

export function accountConfigs(dir: string, symbols: string[], trader: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Config[] {
  return symbols.map((symbol) => buildConfig({ symbol, freq: '1min', data_folder: dir, trader: { fees: FEE, ...trader }, ...extra }, { env: {} }).config);
}

export async function accountRig(o: AccountRigOptions): Promise<AccountRig> {
  const balances = o.balances ?? { USDT: 1000 };
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'itb-account-'));
  // Live: the config says live, so a restart resumes live trading (the first start needs /trade live).
  const configs = accountConfigs(dir, o.symbols, { mode: o.kind, initial_balances: o.kind === 'paper' ? balances : { USDT: 1000 }, ...o.trader });
  let now = T0;
  let fake: FakeBinance | undefined;
  let book: FakeOrderBook | undefined;
  const brokers: LiveBroker[] = [];
  const candles = new Map<string, Candle[]>();
  if (o.kind === 'live') {
    fake = await startFakeBinance({ now });
    book = attachOrderEndpoints(fake, { balances, fee: FEE, apiKey: 'test-key-123456' });
    book.setNow(now);
  }
  const open = async (): Promise<AccountRig> => {
    const told: string[] = [];
    const reports: StateFileRecovery[] = [];
    let live: LiveBroker | undefined;
    if (fake) {
      const config = buildConfig({ symbol: o.symbols[0], exchange: { api_root: fake.url, api_key: 'test-key-123456', api_secret: 'test-secret-123456', timeout_ms: 2000, retries: 2, retry_base_ms: 10 } }, { env: {} }).config;
      const exchange = createExchange(config);
      exchange.enableRateLimit = false;
      live = new LiveBroker(exchange, { retries: 2, baseMs: 10 });
      brokers.push(live);
    }
    const opened = await openTraders(configs, { clock: () => now, live, tellAdmins: (text) => void told.push(text), stateReport: (r) => void reports.push(r) });
    const byName = new Map(opened.traders.map((t) => [t.trader.symbol, t.trader]));
    for (const t of opened.traders) await t.trader.start();
    if (live && opened.traders.some((t) => t.trader.mode !== 'live')) await opened.control.setMode('live');
    return {
      kind: o.kind,
      dir,
      configs,
      opened,
      told,
      reports,
      book,
      trader: (symbol) => byName.get(symbol)!,
      async step(bars) {
        let latest = -Infinity;
        for (const [symbol, [c]] of Object.entries(bars)) {
          const list = candles.get(symbol) ?? [];
          list.push(c);
          candles.set(symbol, list);
          book?.setCandles(symbol, list);
          latest = Math.max(latest, c.time);
        }
        now = latest + MIN + 1000;
        book?.setNow(now);
        const ticks = await Promise.all(Object.entries(bars).map(([symbol, [c, s = {}]]) => byName.get(symbol)!.onBar({ ...c, buy: !!s.buy, sell: !!s.sell })));
        return Object.fromEntries(Object.keys(bars).map((symbol, i) => [symbol, ticks[i]!]));
      },
      reopen: open,
      async close() {
        for (const b of brokers) await b.close();
        await fake?.close();
      },
    };
  };
  return open();
}

/**
 * A fixed session of two symbols on a shared paper wallet, bar by bar: both buy on bar 0 (one
 * share of the quote each), fill on bar 1; BTC sells on bar 2, fills on bar 3; ETH sells on bar 4,
 * fills on bar 5. The kill -9 test runs it in a process it kills and finishes it after a restart.
 */
export const SESSION: Array<Record<string, [Candle, Signal?]>> = [
  { BTCUSDT: [candle(0, 100_000, 100_200, 99_800, 100_000), { buy: true }], ETHUSDT: [candle(0, 3000, 3006, 2994, 3000), { buy: true }] },
  { BTCUSDT: [candle(1, 100_000, 100_200, 99_800, 100_000)], ETHUSDT: [candle(1, 3000, 3006, 2994, 3000)] },
  { BTCUSDT: [candle(2, 101_000, 101_200, 100_800, 101_000), { sell: true }], ETHUSDT: [candle(2, 3000, 3006, 2994, 3000)] },
  { BTCUSDT: [candle(3, 101_000, 101_300, 100_800, 101_000)], ETHUSDT: [candle(3, 3000, 3006, 2994, 3000)] },
  { BTCUSDT: [candle(4, 101_000, 101_200, 100_800, 101_000)], ETHUSDT: [candle(4, 2900, 2906, 2894, 2900), { sell: true }] },
  { BTCUSDT: [candle(5, 101_000, 101_200, 100_800, 101_000)], ETHUSDT: [candle(5, 2900, 2906, 2890, 2900)] },
];

/** The clock of a session's bar: a second after the newest of its bars closed. */
export function sessionClock(bars: Record<string, [Candle, Signal?]>): number {
  return Math.max(...Object.values(bars).map(([c]) => c.time)) + MIN + 1000;
}
