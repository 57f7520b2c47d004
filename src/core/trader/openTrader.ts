import path from 'node:path';
import type { Config } from '../../config/schema.ts';
import { symbolFolder } from '../../config/load.ts';
import { openJsonStore, type StateFileReport } from '../../storage/jsonStore.ts';
import { registerSecret, type Logger } from '../../log.ts';
import { createExchange } from '../exchange/ccxt.ts';
import { LiveBroker } from '../exchange/ccxtBroker.ts';
import { parseFreq } from '../time.ts';
import type { Broker } from './broker.ts';
import { traderControl } from './control.ts';
import { splitSymbol } from './marketRules.ts';
import { PaperBroker, emptyPaperWallet } from './paperBroker.ts';
import { Trader, initialTraderState, type TraderState } from './trader.ts';
import { TransactionLog } from './transactionLog.ts';

/** Where the trader keeps its files: service.state_folder, else data_folder/symbol. */
export function traderFiles(config: Config): { state: string; transactions: string } {
  const folder = config.service.state_folder ? path.resolve(config.service.state_folder) : symbolFolder(config);
  return {
    state: path.join(folder, 'trader.json'),
    transactions: path.join(symbolFolder(config), 'transactions.txt'),
  };
}

export interface OpenTraderOptions {
  /** The service's clock (simulated in replay). */
  clock: () => number;
  log?: Logger;
  /** A live broker to use instead of one on ccxt (tests). */
  live?: Broker;
  /** Hears of a damaged trader.json (default: a log line). */
  stateReport?: StateFileReport;
  /** Where the trader's messages for the admins go (the notifier logs them); the log when absent. */
  tellAdmins?: (text: string) => void | Promise<void>;
}

/**
 * The trader of a config with its persisted state, paper wallet and transaction log; a live
 * broker exists only when exchange keys are configured. Call `trader.start()` before the first bar.
 */
export async function openTrader(config: Config, opts: OpenTraderOptions) {
  const files = traderFiles(config);
  const { base, quote } = splitSymbol(config.symbol, config.base_asset, config.quote_asset);
  const s = config.trader;
  const startEquity = s.initial_balances[quote] ?? 0;
  const db = await openJsonStore<TraderState>(files.state, initialTraderState(startEquity), opts.stateReport);
  db.data.paperWallet ??= emptyPaperWallet(s.initial_balances);
  // The trader writes the state file (wallet included) whenever the wallet's revision moves.
  const wallet = { get data() { return db.data.paperWallet!; }, write: async () => {} };
  const paper = new PaperBroker({ initialBalances: s.initial_balances, fees: s.fees, clock: opts.clock, store: wallet, baseAsset: base, quoteAsset: quote });
  let live = opts.live;
  if (!live && config.exchange.api_key && config.exchange.api_secret) {
    registerSecret(config.exchange.api_key);
    registerSecret(config.exchange.api_secret);
    live = new LiveBroker(createExchange(config), { retries: config.exchange.retries, baseMs: config.exchange.retry_base_ms, log: opts.log });
  }
  const trader = new Trader({
    symbol: config.symbol,
    freq: parseFreq(config.freq),
    settings: s,
    paper,
    live,
    store: { get data() { return db.data; }, write: () => db.write() },
    clock: opts.clock,
    log: opts.log,
    tellAdmins: opts.tellAdmins,
    transactions: new TransactionLog(files.transactions),
  });
  return { trader, control: traderControl(trader, { base, quote }), files };
}
