import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { traderFiles } from '../config/load.ts';
import { lastGoodCopyOf, openJsonStore, type StateFileReport } from '../storage/jsonStore.ts';
import { UserError } from '../shared/errors.ts';
import { registerSecret, type Logger } from '../shared/log.ts';
import { pausePoint } from '../shared/pausePoint.ts';
import { createExchange } from '../exchange/ccxt.ts';
import { LiveBroker } from '../exchange/ccxtBroker.ts';
import { parseFreq } from '../core/time.ts';
import { TradingAccount } from '../core/trader/account.ts';
import type { Broker } from '../core/trader/broker.ts';
import { accountControl, traderControl, type TraderControlWithFigures } from '../core/trader/control.ts';
import { splitSymbol } from '../core/trader/marketRules.ts';
import { PaperBroker, emptyPaperWallet, mergePaperWallets, type PaperWallet, type PaperWalletStore } from '../core/trader/paperBroker.ts';
import { Trader, initialTraderState, type TraderState } from '../core/trader/trader.ts';
import { TransactionLog } from '../storage/transactionLog.ts';
import type { OutputDeps } from '../jobs/service/outputs/index.ts';
import { TraderOutput, parseTraderOutputConfig } from '../jobs/service/outputs/traderOutput.ts';
import type { ChannelPublisher } from '../jobs/service/ports.ts';

export interface OpenTraderOptions {
  /** The service's clock of a symbol (simulated in replay). */
  clock: (symbol: string) => number;
  log?: Logger;
  /** A live broker to use instead of one on ccxt (tests). */
  live?: Broker;
  /** Hears of a damaged trader.json or paper-wallet.json (default: a log line). */
  stateReport?: StateFileReport;
  /** Where the trader's messages for the admins go (the notifier logs them); the log when absent. */
  tellAdmins?: (text: string) => void | Promise<void>;
  /** Open the files to read them only (`itb trades`): nothing is written. */
  readOnly?: boolean;
}

/** A symbol's trader: the state machine, the bot's controls, and its files. */
export interface OpenedTrader {
  trader: Trader;
  /** The bot's /trade, /balance, /profit, /trades: over every symbol of the account (this one when alone). */
  control: TraderControlWithFigures;
  files: { state: string; transactions: string };
}

/** The traders of a process's symbols on their one account. */
export interface OpenedTraders {
  account: TradingAccount;
  /** One per config, in their order. */
  traders: OpenedTrader[];
  /** Every symbol of the account, as the bot's trading commands use it. */
  control: TraderControlWithFigures;
  /** The shared paper wallet's file (several symbols); a single symbol keeps its wallet in its trader.json. */
  walletFile?: string;
}

/** The shared paper wallet of the symbols of a data folder. */
export function paperWalletFile(config: Config): string {
  return path.join(path.resolve(config.data_folder), 'paper-wallet.json');
}

/** The trader keys that belong to the account, not to a symbol: every config must agree on them. */
const ACCOUNT_KEYS: Array<[string, (c: Config) => unknown]> = [
  ['data_folder', (c) => path.resolve(c.data_folder)],
  ['trader.initial_balances', (c) => c.trader.initial_balances],
  ['trader.fees', (c) => c.trader.fees],
  ['trader.max_open_trades', (c) => c.trader.max_open_trades],
  ['trader.total_daily_loss_limit_quote', (c) => c.trader.total_daily_loss_limit_quote],
  ['exchange.id', (c) => c.exchange.id],
  ['exchange.market_type', (c) => c.exchange.market_type],
  ['exchange.api_root', (c) => c.exchange.api_root],
  ['exchange.api_key', (c) => c.exchange.api_key],
];

/**
 * One sentence when the configs cannot trade on one account: a symbol twice, two symbols on one
 * trader.json, different quote assets, a base asset that another symbol also trades, or account
 * keys that differ.
 */
function checkOneAccount(configs: readonly Config[]): void {
  const assets = configs.map((c) => ({ symbol: c.symbol, ...splitSymbol(c.symbol, c.base_asset, c.quote_asset), state: traderFiles(c).state }));
  const first = assets[0]!;
  for (const [i, a] of assets.entries()) {
    const earlier = assets.slice(0, i);
    if (earlier.some((e) => e.symbol === a.symbol)) throw new UserError(`${a.symbol} is given twice: each symbol trades once on the account.`);
    const sameState = earlier.find((e) => e.state === a.state);
    if (sameState) throw new UserError(`${sameState.symbol} and ${a.symbol} would share the trader state file ${a.state}: give each symbol its own service.state_folder (or none).`);
    if (a.quote !== first.quote) {
      throw new UserError(`${first.symbol} and ${a.symbol} trade against different quote assets (${first.quote}, ${a.quote}): the symbols of one account share one quote asset.`);
    }
    const clash = earlier.find((e) => e.base === a.base);
    if (clash) throw new UserError(`${clash.symbol} and ${a.symbol} both trade ${a.base}: each symbol's base asset must be its own on the shared account.`);
  }
  for (const [key, get] of ACCOUNT_KEYS) {
    const want = JSON.stringify(get(configs[0]!));
    const other = configs.find((c) => JSON.stringify(get(c)) !== want);
    if (other) {
      const shown = key === 'exchange.api_key' ? 'differs' : `is ${JSON.stringify(get(configs[0]!))} for ${first.symbol} but ${JSON.stringify(get(other))} for ${other.symbol}`;
      throw new UserError(`${key} ${shown}: the symbols trade on one account, so it must be the same in every config.`);
    }
  }
}

/**
 * The shared paper wallet of several symbols, in its own file (atomic, with a last good copy).
 * Its first start takes over the wallets the symbols kept in their trader.json when they traded
 * alone (balances added), else starts from trader.initial_balances.
 */
async function openSharedWallet(
  config: Config,
  states: readonly { symbol: string; data: TraderState }[],
  opts: OpenTraderOptions,
): Promise<{ file: string; store: PaperWalletStore }> {
  const file = paperWalletFile(config);
  const isNew = !fs.existsSync(file) && !fs.existsSync(lastGoodCopyOf(file));
  const db = await openJsonStore<PaperWallet>(file, emptyPaperWallet(config.trader.initial_balances), opts.stateReport);
  const alone = states.filter((s) => s.data.paperWallet);
  if (isNew && alone.length) {
    db.data = mergePaperWallets(alone.map((s) => s.data.paperWallet!));
    const held = Object.entries(db.data.balances).map(([asset, b]) => `${asset} ${+(b.free + b.locked).toFixed(8)}`).join(', ');
    const text = `the paper wallet${alone.length > 1 ? 's' : ''} of ${alone.map((s) => s.symbol).join(', ')} became the shared paper wallet ${file} (${held})${alone.length > 1 ? ': balances added' : ''}`;
    if (!opts.readOnly) {
      await db.write();
      if (alone.length > 1) opts.log?.warn(text);
      else opts.log?.info(text);
    }
  }
  // Each symbol's trader.json keeps its old wallet untouched; the shared file is the one in use.
  const write = async () => {
    if (opts.readOnly) return;
    await db.write();
    pausePoint('paper-wallet-written'); // kill -9 tests: the wallet is ahead of the symbols' trader.json here
  };
  return { file, store: { get data() { return db.data; }, write } };
}

/**
 * The traders of the configs' symbols on one account (issue #15): one paper wallet and one live
 * broker for all, the account's limits (max_open_trades, the total daily loss limit) over all of
 * them. Each symbol keeps its trader.json (books, mode) and transactions.txt; a single symbol's
 * trader.json also holds its paper wallet, several symbols share paper-wallet.json in their data
 * folder. The configs must agree on the account's keys (one sentence names the first that does
 * not). A live broker exists only when exchange keys are configured. Call each
 * `trader.start()` before its first bar.
 */
export async function openTraders(configs: readonly Config[], opts: OpenTraderOptions): Promise<OpenedTraders> {
  if (!configs.length) throw new Error('openTraders needs at least one config');
  if (configs.length > 1) checkOneAccount(configs);
  const first = configs[0]!;
  const s = first.trader;
  const markets = configs.map((c) => ({ symbol: c.symbol, ...splitSymbol(c.symbol, c.base_asset, c.quote_asset) }));
  const quote = markets[0]!.quote;
  const startEquity = s.initial_balances[quote] ?? 0;
  const dbs: Array<{ data: TraderState; write(): Promise<void> }> = [];
  for (const c of configs) dbs.push(await openJsonStore<TraderState>(traderFiles(c).state, initialTraderState(startEquity), opts.stateReport));

  let walletFile: string | undefined;
  let wallet: PaperWalletStore;
  if (configs.length === 1) {
    // A single symbol keeps its wallet in its trader.json: one atomic write covers the book and the
    // wallet (the trader writes the file whenever the wallet's revision moves).
    const db = dbs[0]!;
    db.data.paperWallet ??= emptyPaperWallet(s.initial_balances);
    wallet = { get data() { return db.data.paperWallet!; }, write: async () => {} };
  } else {
    const shared = await openSharedWallet(first, configs.map((c, i) => ({ symbol: c.symbol, data: dbs[i]!.data })), opts);
    walletFile = shared.file;
    wallet = shared.store;
  }
  const paper = new PaperBroker({
    initialBalances: s.initial_balances,
    fees: s.fees,
    clock: () => opts.clock(first.symbol),
    store: wallet,
    rules: Object.fromEntries(markets.map((m) => [m.symbol, { base: m.base, quote: m.quote }])),
  });
  let live = opts.live;
  if (!live && first.exchange.api_key && first.exchange.api_secret) {
    registerSecret(first.exchange.api_key);
    registerSecret(first.exchange.api_secret);
    live = new LiveBroker(createExchange(first), { retries: first.exchange.retries, baseMs: first.exchange.retry_base_ms, log: opts.log });
  }
  const account = new TradingAccount({ limits: s, quote, tellAdmins: opts.tellAdmins, log: opts.log });
  const traded = configs.map((config, i) => {
    const db = dbs[i]!;
    const files = traderFiles(config);
    const trader = new Trader({
      symbol: config.symbol,
      freq: parseFreq(config.freq),
      settings: config.trader,
      paper,
      live,
      store: { get data() { return db.data; }, write: () => (opts.readOnly ? Promise.resolve() : db.write()) },
      clock: () => opts.clock(config.symbol),
      log: opts.log,
      tellAdmins: opts.tellAdmins,
      transactions: new TransactionLog(files.transactions),
      account,
      paperWalletApart: walletFile !== undefined,
    });
    return { trader, base: markets[i]!.base, quote, files };
  });
  const control = traded.length === 1 ? traderControl(traded[0]!.trader, traded[0]!) : accountControl(traded);
  return {
    account,
    traders: traded.map((t) => ({ trader: t.trader, control, files: t.files })),
    control,
    ...(walletFile ? { walletFile } : {}),
  };
}

/** The trader of one config: its account holds this symbol alone (see openTraders). */
export async function openTrader(config: Config, opts: OpenTraderOptions): Promise<OpenedTrader> {
  return (await openTraders([config], opts)).traders[0]!;
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
