import type { Config } from '../../config/schema.ts';
import { UserError, describeError } from '../../shared/errors.ts';
import { describeProfits, formatAmount, formatFillMessage, formatTransactionStats } from '../notify/tradeMessages.ts';
import { DAY, type Freq } from '../time.ts';
import type { Logger } from '../../shared/log.ts';
import { TradingAccount } from './account.ts';
import { OrderRejectedError, type Balances, type Broker, type Order, type OrderSide } from './broker.ts';
import { clientOrderIdFor, floorToStep, isOurClientOrderId, roundToTick, ruleViolation, splitSymbol } from './marketRules.ts';
import type { PaperBroker, PaperWallet } from './paperBroker.ts';
import { openPosition, realisedOnDay, tradeStats, withRealisedProfit, type Execution, type TradeStats } from './tradeStats.ts';

export type TraderMode = 'off' | 'paper' | 'live';
/** The original's states: SOLD holds quote, BOUGHT holds base, BUYING/SELLING have an order open. */
export type TradeStatus = 'SOLD' | 'BUYING' | 'BOUGHT' | 'SELLING';

/** One closed bar with its signals, as the service hands it over every tick. */
export interface TraderBar {
  /** Open time, epoch ms UTC. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
  buy: boolean;
  sell: boolean;
  score?: number;
  /** False for catch-up bars after downtime: orders are still settled, none are placed. */
  fresh?: boolean;
}

/** What a tick produced: channel texts in the original's format (§7.5) and notes for admins and logs. */
export interface TraderTick {
  messages: string[];
  notes: string[];
}

/** The trading account of one mode: its state, its current order and every execution. */
export interface TraderBook {
  status: TradeStatus;
  order?: Order;
  ledger: Execution[];
  /** Quote equity when this book started (percent figures are relative to it). */
  startEquity: number;
}

export interface TraderState {
  mode: TraderMode;
  /** The paper wallet, kept in the same file so one atomic write covers the book and the wallet. */
  paperWallet?: PaperWallet;
  /** True once a mode was stored (first start or an admin's /trade); start-up then weighs it against the config (startMode). */
  modeChosen: boolean;
  books: { paper: TraderBook; live: TraderBook };
  lastClose: number;
  lastBarTime: number;
}

export interface TraderStateStore {
  data: TraderState;
  write(): Promise<void>;
}

export function initialTraderState(startEquity: number): TraderState {
  const book = (): TraderBook => ({ status: 'SOLD', ledger: [], startEquity });
  return { mode: 'off', modeChosen: false, books: { paper: book(), live: book() }, lastClose: NaN, lastBarTime: NaN };
}

/** Where fills are recorded as the original's BUY/SELL transactions (a file, handed in). */
export interface TransactionRecorder {
  record(status: 'BUY' | 'SELL', price: number, time: number): unknown;
}

export interface TraderOptions {
  symbol: string;
  freq: Freq;
  settings: Config['trader'];
  paper: PaperBroker;
  /** Present only when exchange keys are configured. */
  live?: Broker;
  store: TraderStateStore;
  clock: () => number;
  log?: Logger;
  /** The original's transactions.txt (storage/transactionLog.ts): fills are logged there in its layout. */
  transactions?: TransactionRecorder;
  /** Tells the admins something they must know (the mode at start-up, books that differ from the account). */
  tellAdmins?: (text: string) => void | Promise<void>;
  /**
   * The account shared with the traders of other symbols (the paper wallet or the exchange
   * account, and its limits); absent: an account of this symbol alone, as a single trader has.
   */
  account?: TradingAccount;
  /**
   * True when the paper wallet is stored apart from this state (shared by several symbols): a
   * paper order's intent then reaches the state file before the wallet takes the order, as a live one's.
   */
  paperWalletApart?: boolean;
}

/** How far back start-up reconciliation looks for fills of our orders the books lack. */
const RECONCILE_LOOKBACK_MS = 7 * DAY;
/** How far back the stats after a sell post look (the original's 4 weeks). */
const STATS_WINDOW_MS = 28 * DAY;

const RANK: Record<TraderMode, number> = { off: 0, paper: 1, live: 2 };

/**
 * The mode to start in, from the config's `trader.mode` and the stored one (undefined on the first
 * start), and what to tell the admins when they differ. The config's `off` always wins (the
 * operator's kill switch); otherwise the more cautious of the two: a stored `off` stays off, and
 * live resumes only when the config still says `live` (the admin confirmed it before the restart);
 * with the config at `paper`, going live again needs /trade live and its confirmation. The first
 * start never goes live: an admin's /trade live does.
 */
export function startMode(configured: TraderMode, stored: TraderMode | undefined): { mode: TraderMode; notice?: string } {
  if (stored === undefined) {
    if (configured !== 'live') return { mode: configured };
    return { mode: 'paper', notice: 'trader.mode is "live" in the config: trading starts in paper; an admin switches to live with /trade live' };
  }
  if (configured === stored) return { mode: stored };
  if (configured === 'off') return { mode: 'off', notice: `trader.mode is "off" in the config (the kill switch): trading is off; it was ${stored} before the restart` };
  const mode = RANK[configured] < RANK[stored] ? configured : stored;
  if (stored === 'live') return { mode, notice: `trader.mode is "${configured}" in the config: live trading did not resume, trading is ${mode}; /trade live (with its confirmation) turns it on again` };
  if (stored === 'off') return { mode, notice: `trading stays off as an admin left it (/trade off); the config says "${configured}": /trade ${configured === 'live' ? 'paper or /trade live' : configured} resumes it` };
  return { mode, notice: `trader.mode is "live" in the config, trading stays ${mode} as an admin left it: /trade live switches to live` };
}

/**
 * The trading state machine of the original's Binance trader (§7.6), made safe: each order
 * gets one bar to fill and is then cancelled; orders carry a client id derived from the signal
 * so a retry never doubles them; the book is reconciled with the broker before acting; stale
 * data, the position cap and the daily loss limit stop new buys.
 */
export class Trader {
  readonly account: TradingAccount;
  private readonly reconciled = { paper: false, live: false };
  private chain: Promise<unknown> = Promise.resolve();
  private lastNote_ = '';
  /** What start() tells the admins about the mode it started in. */
  private readonly modeNotices: string[] = [];
  /** The stored mode whose open orders start() cancels because the config's `off` overrode it. */
  private forcedOffFrom: 'paper' | 'live' | undefined;

  constructor(private readonly opts: TraderOptions) {
    this.account =
      opts.account ??
      new TradingAccount({ limits: opts.settings, quote: splitSymbol(opts.symbol).quote, tellAdmins: opts.tellAdmins, log: opts.log });
    this.account.join(this);
    const st = opts.store.data;
    const stored = st.modeChosen ? st.mode : undefined;
    const { mode, notice } = startMode(opts.settings.mode, stored);
    if (notice) this.modeNotices.push(notice);
    if (mode === 'off' && stored && stored !== 'off') this.forcedOffFrom = stored;
    st.mode = mode;
    st.modeChosen = true;
    if (st.mode === 'live' && !opts.live) {
      st.mode = 'paper';
      this.modeNotices.push('live trading was on, but no exchange keys are configured: continuing in paper mode');
    }
  }

  get mode(): TraderMode {
    return this.opts.store.data.mode;
  }

  get symbol(): string {
    return this.opts.symbol;
  }

  /** The trader's clock (the service's, simulated in a replay). */
  now(): number {
    return this.opts.clock();
  }

  /** The close of the last bar seen (NaN before the first). */
  get lastClose(): number {
    return this.opts.store.data.lastClose;
  }

  /** This symbol's book on the paper wallet or the live account (the account reads the others'). */
  bookOf(kind: 'paper' | 'live'): TraderBook {
    return this.opts.store.data.books[kind];
  }

  /** The newest condition that kept the trader from acting (stale data, a rejection, the loss limit), if any. */
  get lastNote(): string {
    return this.lastNote_;
  }

  get book(): TraderBook {
    return this.opts.store.data.books[this.mode === 'live' ? 'live' : 'paper'];
  }

  /**
   * Before the first tick: tells the admins how the start-up mode differs from the config, cancels
   * the open orders of a mode the config's `off` overrode, and reconciles the active book with its
   * broker (open orders, fills, the position). Resolves to notes for the log.
   */
  start(): Promise<string[]> {
    return this.serial(async () => {
      const out: TraderTick = { messages: [], notes: [] };
      for (const notice of this.modeNotices.splice(0)) await this.tell(notice);
      const from = this.forcedOffFrom;
      this.forcedOffFrom = undefined;
      if (from) {
        try {
          const n = await this.cancelOpen(from, out);
          if (n) await this.tell(`${n} open ${from} order${n > 1 ? 's' : ''} cancelled because trading is off`);
        } catch (e) {
          await this.tell(`trading is off, but the open ${from} orders could not be cancelled: ${describeError(e)}`);
        }
      }
      await this.opts.store.write();
      if (this.mode === 'off') return out.notes;
      await this.reconcile(this.mode, out);
      return out.notes;
    });
  }

  /** One closed bar: settle the open order (filled, or cancelled after its bar), then act on the signal. */
  onBar(bar: TraderBar): Promise<TraderTick> {
    return this.serial(async () => {
      // State is written when the books change, not every bar (replays run through years of bars).
      const before = this.fingerprint();
      try {
        return await this.tick(bar);
      } finally {
        if (this.fingerprint() !== before) await this.opts.store.write();
      }
    });
  }

  /** What must reach the disk when it changes: the mode, the orders, the states, the ledgers, the paper wallet. */
  private fingerprint(): string {
    const st = this.opts.store.data;
    const book = (b: TraderBook) => `${b.status}|${b.ledger.length}|${b.order ? `${b.order.clientOrderId}:${b.order.id}:${b.order.status}:${b.order.filled}` : '-'}`;
    return `${st.mode}|${book(st.books.paper)}|${book(st.books.live)}|${this.opts.paper.revision}`;
  }

  private async tick(bar: TraderBar): Promise<TraderTick> {
    const out: TraderTick = { messages: [], notes: [] };
    const st = this.opts.store.data;
    const mode = st.mode;
    if (mode === 'off') {
      st.lastClose = bar.close;
      st.lastBarTime = bar.time;
      return out;
    }
    if (bar.time <= st.lastBarTime) {
      // A bar delivered again (a retried tick, a restart): its order must keep its one bar.
      out.notes.push(`bar of ${new Date(bar.time).toISOString()} was seen already`);
      return out;
    }
    if (!this.reconciled[mode]) {
      try {
        await this.reconcile(mode, out);
      } catch (e) {
        this.note(out, `cannot reconcile with the exchange, no trading this bar: ${describeError(e)}`);
        return out;
      }
    }
    const broker = this.broker(mode);
    if (mode === 'paper') {
      await this.opts.paper.observeBar(this.opts.symbol, { time: bar.time, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume ?? NaN });
    }
    st.lastClose = bar.close;
    st.lastBarTime = bar.time;
    const book = st.books[mode];
    priceAdjustment(book, bar.close);

    if (book.order) {
      const booked = book.ledger.length;
      try {
        if (!(await this.settleOrder(broker, book, out))) return out;
      } catch (e) {
        this.note(out, `cannot check order ${book.order.clientOrderId}, will retry next bar: ${describeError(e)}`);
        return out;
      }
      // A losing sell may bring all symbols together to the total loss limit: the admins hear of it now.
      if (book.ledger.length > booked && book.ledger.at(-1)!.side === 'sell') await this.account.totalLossStop(mode, this.opts.clock());
    }

    const side: OrderSide | undefined = bar.buy && !bar.sell ? 'buy' : bar.sell && !bar.buy ? 'sell' : undefined;
    const wanted = (side === 'buy' && book.status === 'SOLD') || (side === 'sell' && book.status === 'BOUGHT');
    if (!side || !wanted) return out;
    const ageBars = (this.opts.clock() - (bar.time + this.opts.freq.ms)) / this.opts.freq.ms;
    if (bar.fresh === false) {
      this.note(out, `no ${side} order: the bar of ${new Date(bar.time).toISOString()} is a catch-up bar, not live data`);
      return out;
    }
    if (ageBars > this.opts.settings.max_data_age_bars) {
      this.note(out, `no ${side} order: the bar of ${new Date(bar.time).toISOString()} is ${ageBars.toFixed(1)} bars old (limit ${this.opts.settings.max_data_age_bars})`);
      return out;
    }
    if (side === 'sell') {
      await this.place(broker, book, side, bar, out);
      return out;
    }
    // Buys of all symbols on the account are decided one at a time: each sees the trades and the
    // free quote the others left.
    await this.account.exclusive(async () => {
      const blocked = await this.buyBlocked(mode, book);
      if (blocked) this.note(out, `no buy order: ${blocked}`);
      else await this.place(broker, book, side, bar, out);
    });
    return out;
  }

  /** Why no trade may open now: this symbol's daily loss limit, or the account's limits. */
  private async buyBlocked(mode: 'paper' | 'live', book: TraderBook): Promise<string | undefined> {
    const now = this.opts.clock();
    const limit = this.opts.settings.daily_loss_limit_quote;
    if (limit > 0) {
      const today = realisedOnDay(book.ledger, now);
      if (today <= -limit) return `today's realised loss ${(-today).toFixed(2)} reached the daily limit ${limit}`;
    }
    return this.account.buyBlocked(mode, this.opts.symbol, now);
  }

  /**
   * Brings the book's order to a final state: filled or closed orders are booked; an order still
   * open after its bar is cancelled. Returns false when the tick should stop (a cancel pending).
   */
  private async settleOrder(broker: Broker, book: TraderBook, out: TraderTick): Promise<boolean> {
    const current = book.order!;
    let o = await this.lookUp(broker, current);
    if (o === 'unknown') {
      this.note(out, `${current.side} order ${current.clientOrderId} got no clear answer and is not on the exchange yet; it is never sent again, and no new order is placed until it is certain it cannot execute`);
      return false;
    }
    if (!o) {
      // The request never executed (refused, never sent, or Binance's recvWindow has passed).
      book.order = undefined;
      book.status = await this.deriveStatus(broker);
      if (current.validUntil !== undefined) this.note(out, `${current.side} order ${current.clientOrderId} never reached the exchange and can no longer execute: its signal is skipped`);
      return true;
    }
    if (o.status === 'open') o = await broker.cancelOrder(this.opts.symbol, o.clientOrderId);
    if (o.status === 'open') {
      book.order = o;
      return false;
    }
    await this.bookExecution(broker, book, o, out);
    book.status = await this.deriveStatus(broker);
    return true;
  }

  /**
   * The order's state on the exchange. An order whose placement got no clear answer (no exchange
   * id yet, a stamp's validUntil) is 'unknown' while it may still execute, undefined once it never can.
   */
  private async lookUp(broker: Broker, order: Order): Promise<Order | undefined | 'unknown'> {
    if (!order.id && order.validUntil !== undefined && broker.fetchUnconfirmed) {
      const found = await broker.fetchUnconfirmed(this.opts.symbol, order.clientOrderId, order.validUntil);
      return found === 'gone' ? undefined : found;
    }
    return broker.fetchOrder(this.opts.symbol, order.clientOrderId);
  }

  /** Records a closed order's executed part in the ledger and the transaction log, and posts it. */
  private async bookExecution(broker: Broker, book: TraderBook, o: Order, out: TraderTick, time = this.opts.clock()): Promise<Execution | undefined> {
    if (book.order?.clientOrderId === o.clientOrderId) book.order = undefined;
    if (!(o.filled > 0)) {
      out.notes.push(`${o.side} order ${o.clientOrderId} ${o.status} without a fill`);
      return undefined;
    }
    const base: Execution = {
      time,
      side: o.side,
      price: o.cost / o.filled,
      quantity: o.filled,
      cost: o.cost,
      fee: o.fee,
      ...(o.feeBase ? { feeBase: o.feeBase } : {}),
      clientOrderId: o.clientOrderId,
    };
    if (book.ledger.some((e) => e.clientOrderId === o.clientOrderId)) return undefined;
    const exec = o.side === 'sell' ? withRealisedProfit(book.ledger, base) : base;
    book.ledger.push(exec);
    const partly = o.status !== 'filled';
    out.notes.push(`${o.side === 'buy' ? 'bought' : 'sold'} ${exec.quantity} at ${exec.price.toFixed(2)}${partly ? ` (partly: ${o.filled} of ${o.quantity}, then ${o.status})` : ''}`);
    // transactions.txt keeps the original's layout; the posts carry this trader's own amounts.
    this.opts.transactions?.record(o.side === 'buy' ? 'BUY' : 'SELL', exec.price, exec.time);
    const rules = await broker.rules(this.opts.symbol);
    out.messages.push(
      formatFillMessage({ ...exec, mode: broker.kind, base: rules.base, quote: rules.quote, ...(partly ? { ordered: o.quantity } : {}) }),
    );
    if (exec.profitPercent !== undefined) {
      const recent = book.ledger.filter((e) => e.profitPercent !== undefined && e.time > exec.time - STATS_WINDOW_MS).map((e) => e.profitPercent!);
      out.messages.push(formatTransactionStats('SELL', describeProfits(recent)));
    }
    return exec;
  }

  private async place(broker: Broker, book: TraderBook, side: OrderSide, bar: TraderBar, out: TraderTick): Promise<void> {
    const s = this.opts.settings;
    const rules = await broker.rules(this.opts.symbol);
    const bal = await broker.balances();
    const baseBal = bal[rules.base] ?? { free: 0, locked: 0 };
    const quoteBal = bal[rules.quote] ?? { free: 0, locked: 0 };
    const limit = s.order_type === 'limit';
    const price = limit ? roundToTick(bar.close * (side === 'buy' ? 1 - s.limit_price_adjustment : 1 + s.limit_price_adjustment), rules.tickSize) : bar.close;
    let quantity: number;
    if (side === 'buy') {
      // The free quote is the account's: this buy takes one share of it (all of it when alone).
      const stake = quoteBal.free / this.account.shares(broker.kind, this.opts.symbol);
      let spend = Math.min((stake * s.percentage_used_for_trade) / 100, stake / (1 + s.fees));
      if (s.max_position_quote > 0) spend = Math.min(spend, s.max_position_quote - (baseBal.free + baseBal.locked) * bar.close);
      quantity = floorToStep(Math.max(spend, 0) / price, rules.stepSize);
    } else {
      quantity = floorToStep(baseBal.free, rules.stepSize);
    }
    const violation = ruleViolation(limit ? { price, quantity } : { quantity }, rules, price);
    if (violation) {
      this.note(out, `no ${side} order: ${violation}`);
      return;
    }
    const clientOrderId = clientOrderIdFor(this.opts.symbol, bar.time, side);
    // A live order's intent is saved before the request, with the stamp that bounds when the
    // request can execute, so a crash mid-request is found at restart. A paper order is in the
    // same file as the wallet, or (a shared wallet) its intent is saved first too: a restart then
    // finds the order in the wallet or knows it was never placed, and does not redo its bar.
    const stamp = broker.orderStamp?.();
    book.order = {
      clientOrderId,
      id: '',
      symbol: this.opts.symbol,
      side,
      type: s.order_type,
      price: limit ? price : NaN,
      quantity,
      filled: 0,
      cost: 0,
      fee: 0,
      status: 'open',
      time: this.opts.clock(),
      ...(stamp ? { validUntil: stamp.validUntil } : {}),
    };
    book.status = side === 'buy' ? 'BUYING' : 'SELLING';
    if (broker.kind === 'live' || this.opts.paperWalletApart) await this.opts.store.write();
    try {
      book.order = await broker.placeOrder({ symbol: this.opts.symbol, side, type: s.order_type, price: limit ? price : undefined, quantity, clientOrderId, timestamp: stamp?.timestamp });
      out.notes.push(`${side} order ${clientOrderId}: ${quantity} ${rules.base}${limit ? ` at ${price}` : ' at market'}`);
    } catch (e) {
      if (e instanceof OrderRejectedError) {
        book.order = undefined;
        book.status = side === 'buy' ? 'SOLD' : 'BOUGHT';
        this.note(out, `${side} order rejected: ${e.message}`);
      } else {
        // Never sent again: the next bars look it up until it is found or certain never to execute.
        this.note(out, `${side} order ${clientOrderId} got no clear answer; it is not sent again and is looked up each bar: ${describeError(e)}`);
      }
    }
  }

  /**
   * Open orders, fills and balances from the broker decide the book's state; our stray orders are
   * cancelled, fills of ours the ledger lacks are booked, and a position the books do not hold is
   * taken over and told to the admins (checkPosition).
   */
  private async reconcile(mode: 'paper' | 'live', out: TraderTick): Promise<void> {
    const broker = this.broker(mode);
    const book = this.opts.store.data.books[mode];
    await broker.init();
    const open = (await broker.openOrders(this.opts.symbol)).filter((o) => isOurClientOrderId(o.clientOrderId));
    if (book.order) {
      const known = open.find((o) => o.clientOrderId === book.order!.clientOrderId) ?? (await this.lookUp(broker, book.order));
      if (!known) book.order = undefined;
      else if (known === 'unknown') out.notes.push(`order ${book.order.clientOrderId} got no clear answer before the restart; it is looked up until it is certain it cannot execute`);
      else if (known.status === 'open') book.order = known;
      else await this.bookExecution(broker, book, known, out);
    }
    for (const o of open) {
      if (o.clientOrderId === book.order?.clientOrderId) continue;
      if (!book.order) {
        book.order = o;
        out.notes.push(`adopted open ${o.side} order ${o.clientOrderId} found on the exchange`);
        continue;
      }
      await this.bookExecution(broker, book, await broker.cancelOrder(this.opts.symbol, o.clientOrderId), out);
      out.notes.push(`cancelled a second open order ${o.clientOrderId}`);
    }
    if (book.order) book.status = book.order.side === 'buy' ? 'BUYING' : 'SELLING';
    else book.status = await this.deriveStatus(broker);
    if (mode === 'live' && !book.ledger.length && !book.order) {
      const rules = await broker.rules(this.opts.symbol);
      book.startEquity = (await broker.balances())[rules.quote]?.free ?? book.startEquity;
    }
    await this.checkPosition(mode, broker, book, out);
    this.reconciled[mode] = true;
    await this.opts.store.write();
  }

  /**
   * The books against the account. Fills of our orders from the last week that the ledger lacks
   * (filled while the service was down, a lost state file) are booked with the exchange's prices
   * and fees. What still differs by more than a lot step (a manual trade, a transfer) is taken over
   * as the exchange shows it: an adjustment in the ledger at the last close, so the books, the
   * reports and the next sell agree with the account. The admins get one message with the numbers.
   */
  private async checkPosition(mode: 'paper' | 'live', broker: Broker, book: TraderBook, out: TraderTick): Promise<void> {
    const symbol = this.opts.symbol;
    const rules = await broker.rules(symbol);
    const booked: Execution[] = [];
    const known = new Set(book.ledger.map((e) => e.clientOrderId));
    for (const o of await broker.recentOrders(symbol, this.opts.clock() - RECONCILE_LOOKBACK_MS)) {
      if (!isOurClientOrderId(o.clientOrderId) || known.has(o.clientOrderId) || o.status === 'open' || !(o.filled > 0)) continue;
      const full = (await broker.fetchOrder(symbol, o.clientOrderId)) ?? o;
      const exec = await this.bookExecution(broker, book, full, out, full.time);
      if (exec) booked.push(exec);
    }
    const bal = (await broker.balances())[rules.base] ?? { free: 0, locked: 0 };
    const account = bal.free + bal.locked;
    // An open order's fills so far are in the account, not yet in the ledger (with their fees: refetched).
    const open = book.order && book.order.filled > 0 ? ((await broker.fetchOrder(symbol, book.order.clientOrderId)) ?? book.order) : undefined;
    const pending = open ? (open.side === 'buy' ? open.filled - (open.feeBase ?? 0) : -open.filled) : 0;
    const books = openPosition(book.ledger).position + pending;
    const diff = account - books;
    const differs = Math.abs(diff) > Math.max(rules.stepSize, 1e-12);
    if (!booked.length && !differs) return;

    const n = (x: number) => formatAmount(x);
    const parts = [`⚠️ ${symbol} ${mode}: the books did not match the account.`];
    if (booked.length) {
      const list = booked.map((e) => `${e.clientOrderId} ${e.side === 'buy' ? 'bought' : 'sold'} ${n(e.quantity)} ${rules.base} at ${e.price.toFixed(2)}`).join('; ');
      parts.push(`Fills of our orders the books lacked, now booked with the exchange's prices and fees: ${list}.`);
    }
    if (differs) {
      const price = this.opts.store.data.lastClose;
      const qty = Math.abs(diff);
      book.ledger.push({
        time: this.opts.clock(),
        side: diff > 0 ? 'buy' : 'sell',
        price,
        quantity: qty,
        cost: qty * price,
        fee: 0,
        clientOrderId: `adjust-${this.opts.clock()}`,
        adjustment: true,
      });
      parts.push(
        `The account holds ${n(account)} ${rules.base}, the books ${n(books)} ${rules.base}: ${diff > 0 ? '+' : '−'}${n(qty)} ${rules.base} (more than the lot step ${rules.stepSize}), e.g. a manual trade or a transfer.`,
        `The trader takes over the exchange's figure as an adjustment at ${Number.isFinite(price) ? `the last close ${price.toFixed(2)}` : 'the next close'} (no profit booked) and goes on trading from it; /trade off stops it.`,
      );
    }
    const text = parts.join(' ');
    out.notes.push(text);
    await this.tell(text);
  }

  /** BOUGHT when the free base is a sellable amount (at least one lot and the minimum notional), else SOLD. */
  private async deriveStatus(broker: Broker): Promise<TradeStatus> {
    const rules = await broker.rules(this.opts.symbol);
    const free = (await broker.balances())[rules.base]?.free ?? 0;
    const qty = floorToStep(free, rules.stepSize);
    if (qty <= 0 || qty < rules.minQty) return 'SOLD';
    const price = this.opts.store.data.lastClose;
    return Number.isFinite(price) && qty * price < rules.minNotional ? 'SOLD' : 'BOUGHT';
  }

  /** To the admins (whose notifier logs it too), or to the log when there is none; named by symbol when the account has several. */
  private async tell(message: string): Promise<void> {
    const text = this.account.symbols.length > 1 && !message.includes(this.opts.symbol) ? `${this.opts.symbol}: ${message}` : message;
    if (!this.opts.tellAdmins) return void this.opts.log?.warn(text);
    try {
      await this.opts.tellAdmins(text);
    } catch (e) {
      this.opts.log?.error(`could not tell the admins "${text}": ${describeError(e)}`);
    }
  }

  private broker(mode: 'paper' | 'live'): Broker {
    if (mode === 'paper') return this.opts.paper;
    if (!this.opts.live) throw new UserError('live trading needs exchange keys: set EXCHANGE_API_KEY and EXCHANGE_API_SECRET');
    return this.opts.live;
  }

  /** A condition worth a line in the log: logged once while it repeats bar after bar. */
  private note(out: TraderTick, text: string): void {
    out.notes.push(text);
    if (text !== this.lastNote_) this.opts.log?.debug(text);
    this.lastNote_ = text;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  // ---- control (the bot's /trade, /balance, /profit, /trades) ----

  /**
   * Switches trading: `off` is the kill switch (open orders cancelled, the position kept);
   * `live` needs exchange keys and a successful reconciliation with the exchange.
   */
  setMode(mode: TraderMode): Promise<string> {
    return this.serial(async () => {
      const st = this.opts.store.data;
      if (mode === 'live' && !this.opts.live) throw new UserError('live trading needs exchange keys: set EXCHANGE_API_KEY and EXCHANGE_API_SECRET and restart');
      const out: TraderTick = { messages: [], notes: [] };
      if (mode === 'live') {
        this.reconciled.live = false;
        try {
          await this.reconcile('live', out);
        } catch (e) {
          throw new UserError(`live trading stays off: the exchange could not be checked (${describeError(e)})`);
        }
      }
      let cancelled = 0;
      let unresolved: Order | undefined;
      if (st.mode !== 'off' && st.mode !== mode) {
        cancelled = await this.cancelOpen(st.mode, out);
        unresolved = st.books[st.mode].order;
      }
      const before = st.mode;
      st.mode = mode;
      st.modeChosen = true;
      await this.opts.store.write();
      const parts = [mode === before ? `Trading is already ${mode}` : `Trading is now ${mode}`];
      if (cancelled) parts.push(`${cancelled} open order${cancelled > 1 ? 's' : ''} cancelled`);
      if (unresolved) parts.push(`order ${unresolved.clientOrderId} got no clear answer and may still execute: it stays in the ${before} books and is looked up when ${before} trading resumes`);
      if (mode === 'off' && before !== 'off') parts.push('positions are kept as they are');
      return `${parts.join('; ')}.`;
    });
  }

  /** Cancels every open order of ours in the active mode; resolves to how many were cancelled. */
  cancelAll(): Promise<number> {
    return this.serial(async () => (this.mode === 'off' ? 0 : this.cancelOpen(this.mode, { messages: [], notes: [] })));
  }

  private async cancelOpen(mode: 'paper' | 'live', out: TraderTick): Promise<number> {
    const broker = this.broker(mode);
    const book = this.opts.store.data.books[mode];
    const ids = new Set((await broker.openOrders(this.opts.symbol)).filter((o) => isOurClientOrderId(o.clientOrderId)).map((o) => o.clientOrderId));
    if (book.order) ids.add(book.order.clientOrderId);
    let n = 0;
    let unconfirmed: Order | undefined;
    for (const id of ids) {
      const known = book.order?.clientOrderId === id ? await this.lookUp(broker, book.order) : await broker.fetchOrder(this.opts.symbol, id);
      if (known === 'unknown') {
        // Not on the exchange yet and it may still execute: kept, so it is looked up when trading resumes.
        unconfirmed = book.order;
        continue;
      }
      if (!known) continue;
      const o = known.status === 'open' ? await broker.cancelOrder(this.opts.symbol, id) : known;
      if (known.status === 'open') n++;
      await this.bookExecution(broker, book, o, out);
    }
    book.order = unconfirmed;
    book.status = unconfirmed ? (unconfirmed.side === 'buy' ? 'BUYING' : 'SELLING') : await this.deriveStatus(broker);
    await this.opts.store.write();
    return n;
  }

  async balances(): Promise<Balances> {
    return this.broker(this.mode === 'live' ? 'live' : 'paper').balances();
  }

  stats(): TradeStats {
    const st = this.opts.store.data;
    return tradeStats(this.book.ledger, st.lastClose, this.book.startEquity);
  }

  /** The newest `n` executions of the active book, newest first. */
  executions(n: number): Execution[] {
    return this.book.ledger.slice(-Math.max(0, n)).reverse();
  }
}

/** An adjustment taken over before any price was known is priced at the first close seen. */
function priceAdjustment(book: TraderBook, close: number): void {
  const last = book.ledger.at(-1);
  if (!last?.adjustment || Number.isFinite(last.price)) return;
  last.price = close;
  last.cost = last.quantity * close;
}
