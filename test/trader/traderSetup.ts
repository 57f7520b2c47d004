import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig } from '../../src/config/load.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import type { Config } from '../../src/config/schema.ts';
import { PaperBroker } from '../../src/core/trader/paperBroker.ts';
import { Trader, initialTraderState, type TraderState, type TraderStateStore, type TraderTick } from '../../src/core/trader/trader.ts';
import { TransactionLog } from '../../src/core/trader/transactionLog.ts';
import { parseFreq } from '../../src/core/time.ts';
import { FEE, type BrokerHarness } from './harness.ts';

export function traderSettings(overrides: Partial<Config['trader']> = {}): Config['trader'] {
  return buildConfig({ trader: { fees: FEE, ...overrides } }, { env: {} }).config.trader;
}

export function memoryStore(data: TraderState): TraderStateStore & { saves: number } {
  const store = {
    data,
    saves: 0,
    async write() {
      store.saves++;
    },
  };
  return store;
}

export interface TraderRig {
  trader: Trader;
  store: ReturnType<typeof memoryStore>;
  log: TransactionLog;
  /** Closes a bar on the broker side, then hands it to the trader with its signals. */
  step(c: Candle, signal?: { buy?: boolean; sell?: boolean; fresh?: boolean }): Promise<TraderTick>;
}

/** A trader in the harness's mode (paper or live) on a temporary transactions.txt. */
export function traderOn(
  h: BrokerHarness,
  opts: { settings?: Partial<Config['trader']>; state?: TraderState; broker?: BrokerHarness['broker']; clockSkewMs?: number; logFile?: string } = {},
): TraderRig {
  const state = opts.state ?? initialTraderState(1000);
  state.mode = h.kind;
  state.modeChosen = true;
  const store = memoryStore(state);
  const broker = opts.broker ?? h.broker;
  const clock = () => h.now() + (opts.clockSkewMs ?? 0);
  const idlePaper = new PaperBroker({ initialBalances: {}, fees: FEE, clock });
  const logFile = opts.logFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'itb-trader-')), 'transactions.txt');
  const log = new TransactionLog(logFile);
  const trader = new Trader({
    symbol: 'BTCUSDT',
    freq: parseFreq('1min'),
    // The config allows the harness's mode, so the stored mode stands at start-up.
    settings: traderSettings({ mode: h.kind, ...opts.settings }),
    paper: h.kind === 'paper' ? (broker as PaperBroker) : idlePaper,
    live: h.kind === 'live' ? broker : undefined,
    store,
    clock,
    transactions: log,
  });
  return {
    trader,
    store,
    log,
    async step(c, signal = {}) {
      await h.closeBar(c);
      return trader.onBar({ ...c, buy: !!signal.buy, sell: !!signal.sell, fresh: signal.fresh });
    },
  };
}
