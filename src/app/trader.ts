import type { Config } from '../config/schema.ts';
import { traderFiles } from '../config/load.ts';
import { openJsonStore, type StateFileReport } from '../storage/jsonStore.ts';
import { registerSecret, type Logger } from '../shared/log.ts';
import { createExchange } from '../exchange/ccxt.ts';
import { LiveBroker } from '../exchange/ccxtBroker.ts';
import { parseFreq } from '../core/time.ts';
import type { Broker } from '../core/trader/broker.ts';
import { traderControl, type TraderControlWithFigures } from '../core/trader/control.ts';
import { splitSymbol } from '../core/trader/marketRules.ts';
import { PaperBroker, emptyPaperWallet } from '../core/trader/paperBroker.ts';
import { Trader, initialTraderState, type TraderState } from '../core/trader/trader.ts';
import { TransactionLog } from '../storage/transactionLog.ts';
import type { OutputDeps } from '../jobs/service/outputs/index.ts';
import { TraderOutput, parseTraderOutputConfig } from '../jobs/service/outputs/traderOutput.ts';
import type { ChannelPublisher } from '../jobs/service/ports.ts';

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

/** A symbol's trader: the state machine, its controls for the bot, and its files. */
export interface OpenedTrader {
  trader: Trader;
  control: TraderControlWithFigures;
  files: { state: string; transactions: string };
}

/**
 * The trader of a config with its persisted state, paper wallet and transaction log; a live
 * broker exists only when exchange keys are configured. Call `trader.start()` before the first bar.
 */
export async function openTrader(config: Config, opts: OpenTraderOptions): Promise<OpenedTrader> {
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

/**
 * The trader as output_sets use it: the trader_simulation / trader_binance entries hand it each
 * bar's signals and post its fills; the diagram marks its executions.
 */
export function traderOutputs(trader: Trader, publisher: ChannelPublisher, log: Logger): Pick<OutputDeps, 'trader' | 'transactions'> {
  return {
    trader: (generator, raw) => new TraderOutput(generator, parseTraderOutputConfig(raw), trader, publisher, log),
    transactions: () => trader.executions(500).map((e) => ({ time: e.time, side: e.side === 'buy' ? 'BUY' : 'SELL' })),
  };
}
