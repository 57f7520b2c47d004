import type { Config } from '../../config/schema.ts';
import { UserError, describeError } from '../errors.ts';
import type { Freq } from '../time.ts';
import type { Logger } from '../../log.ts';
import { OrderRejectedError, type Balances, type Broker, type Order, type OrderSide } from './broker.ts';
import { clientOrderIdFor, floorToStep, isOurClientOrderId, roundToTick, ruleViolation } from './marketRules.ts';
import type { PaperBroker, PaperWallet } from './paperBroker.ts';
import { realisedOnDay, tradeStats, withRealisedProfit, type Execution, type TradeStats } from './tradeStats.ts';
import type { TransactionLog } from './transactionLog.ts';

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
  /** True once an admin (or a config file on first start) chose the mode; config no longer overrides it. */
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
  /** The original's transactions.txt: fills are logged there and announced in its format. */
  transactions?: TransactionLog;
}

/**
 * The trading state machine of the original's Binance trader (§7.6), made safe: each order
 * gets one bar to fill and is then cancelled; orders carry a client id derived from the signal
 * so a retry never doubles them; the book is reconciled with the broker before acting; stale
 * data, the position cap and the daily loss limit stop new buys.
 */
export class Trader {
  private readonly reconciled = { paper: false, live: false };
  private chain: Promise<unknown> = Promise.resolve();
  private lastNote_ = '';

  constructor(private readonly opts: TraderOptions) {
    const st = opts.store.data;
    if (!st.modeChosen) {
      // Live money needs an admin's /trade live, never just a config value.
      st.mode = opts.settings.mode === 'live' ? 'paper' : opts.settings.mode;
      st.modeChosen = true;
      if (opts.settings.mode === 'live') opts.log?.warn('trader.mode "live" in the config starts in paper mode: an admin switches to live with /trade live');
    }
    if (st.mode === 'live' && !opts.live) {
      st.mode = 'paper';
      opts.log?.warn('live trading was on, but no exchange keys are configured: continuing in paper mode');
    }
  }

  get mode(): TraderMode {
    return this.opts.store.data.mode;
  }

  /** The newest condition that kept the trader from acting (stale data, a rejection, the loss limit), if any. */
  get lastNote(): string {
    return this.lastNote_;
  }

  get book(): TraderBook {
    return this.opts.store.data.books[this.mode === 'live' ? 'live' : 'paper'];
  }

  /** Reconciles the active book with its broker (open orders, balances) before the first tick. */
  start(): Promise<string[]> {
    return this.serial(async () => {
      if (this.mode === 'off') return [];
      const out: TraderTick = { messages: [], notes: [] };
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

    if (book.order) {
      try {
        if (!(await this.settleOrder(broker, book, out))) return out;
      } catch (e) {
        this.note(out, `cannot check order ${book.order.clientOrderId}, will retry next bar: ${describeError(e)}`);
        return out;
      }
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
    if (side === 'buy' && this.opts.settings.daily_loss_limit_quote > 0) {
      const today = realisedOnDay(book.ledger, this.opts.clock());
      if (today <= -this.opts.settings.daily_loss_limit_quote) {
        this.note(out, `no buy order: today's realised loss ${(-today).toFixed(2)} reached the daily limit ${this.opts.settings.daily_loss_limit_quote}`);
        return out;
      }
    }
    await this.place(broker, book, side, bar, out);
    return out;
  }

  /**
   * Brings the book's order to a final state: filled or closed orders are booked; an order still
   * open after its bar is cancelled. Returns false when the tick should stop (a cancel pending).
   */
  private async settleOrder(broker: Broker, book: TraderBook, out: TraderTick): Promise<boolean> {
    const current = book.order!;
    let o = await broker.fetchOrder(this.opts.symbol, current.clientOrderId);
    if (!o) {
      // The placement never reached the exchange (e.g. a timeout before it was sent).
      book.order = undefined;
      book.status = await this.deriveStatus(broker);
      return true;
    }
    if (o.status === 'open') o = await broker.cancelOrder(this.opts.symbol, o.clientOrderId);
    if (o.status === 'open') {
      book.order = o;
      return false;
    }
    await this.bookExecution(book, o, out);
    book.status = await this.deriveStatus(broker);
    return true;
  }

  /** Records a closed order's executed part in the ledger and the transaction log. */
  private async bookExecution(book: TraderBook, o: Order, out: TraderTick): Promise<void> {
    if (book.order?.clientOrderId === o.clientOrderId) book.order = undefined;
    if (!(o.filled > 0)) {
      out.notes.push(`${o.side} order ${o.clientOrderId} ${o.status} without a fill`);
      return;
    }
    const base: Execution = {
      time: this.opts.clock(),
      side: o.side,
      price: o.cost / o.filled,
      quantity: o.filled,
      cost: o.cost,
      fee: o.fee,
      clientOrderId: o.clientOrderId,
    };
    if (book.ledger.some((e) => e.clientOrderId === o.clientOrderId)) return;
    const exec = o.side === 'sell' ? withRealisedProfit(book.ledger, base) : base;
    book.ledger.push(exec);
    out.notes.push(
      `${o.side === 'buy' ? 'bought' : 'sold'} ${exec.quantity} at ${exec.price.toFixed(2)}${o.status === 'filled' ? '' : ` (partly: ${o.filled} of ${o.quantity}, then ${o.status})`}`,
    );
    const log = this.opts.transactions;
    if (log && log.record(o.side === 'buy' ? 'BUY' : 'SELL', exec.price, exec.time)) out.messages.push(...log.messages(exec.time));
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
      let spend = Math.min((quoteBal.free * s.percentage_used_for_trade) / 100, quoteBal.free / (1 + s.fees));
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
    // A live order's intent is saved before the request, so a crash mid-request is found at
    // restart (a paper order cannot be half placed: start-up reconciliation adopts it).
    book.order = { clientOrderId, id: '', symbol: this.opts.symbol, side, type: s.order_type, price: limit ? price : NaN, quantity, filled: 0, cost: 0, fee: 0, status: 'open', time: this.opts.clock() };
    book.status = side === 'buy' ? 'BUYING' : 'SELLING';
    if (broker.kind === 'live') await this.opts.store.write();
    try {
      book.order = await broker.placeOrder({ symbol: this.opts.symbol, side, type: s.order_type, price: limit ? price : undefined, quantity, clientOrderId });
      out.notes.push(`${side} order ${clientOrderId}: ${quantity} ${rules.base}${limit ? ` at ${price}` : ' at market'}`);
    } catch (e) {
      if (e instanceof OrderRejectedError) {
        book.order = undefined;
        book.status = side === 'buy' ? 'SOLD' : 'BOUGHT';
        this.note(out, `${side} order rejected: ${e.message}`);
      } else {
        this.note(out, `${side} order ${clientOrderId} is unconfirmed, checking it next bar: ${describeError(e)}`);
      }
    }
  }

  /** Open orders and balances from the broker decide the book's state; our stray orders are cancelled. */
  private async reconcile(mode: 'paper' | 'live', out: TraderTick): Promise<void> {
    const broker = this.broker(mode);
    const book = this.opts.store.data.books[mode];
    await broker.init();
    const open = (await broker.openOrders(this.opts.symbol)).filter((o) => isOurClientOrderId(o.clientOrderId));
    if (book.order) {
      const known = open.find((o) => o.clientOrderId === book.order!.clientOrderId) ?? (await broker.fetchOrder(this.opts.symbol, book.order.clientOrderId));
      if (!known) book.order = undefined;
      else if (known.status === 'open') book.order = known;
      else await this.bookExecution(book, known, out);
    }
    for (const o of open) {
      if (o.clientOrderId === book.order?.clientOrderId) continue;
      if (!book.order) {
        book.order = o;
        out.notes.push(`adopted open ${o.side} order ${o.clientOrderId} found on the exchange`);
        continue;
      }
      await this.bookExecution(book, await broker.cancelOrder(this.opts.symbol, o.clientOrderId), out);
      out.notes.push(`cancelled a second open order ${o.clientOrderId}`);
    }
    if (book.order) book.status = book.order.side === 'buy' ? 'BUYING' : 'SELLING';
    else book.status = await this.deriveStatus(broker);
    if (mode === 'live' && !book.ledger.length && !book.order) {
      const rules = await broker.rules(this.opts.symbol);
      book.startEquity = (await broker.balances())[rules.quote]?.free ?? book.startEquity;
    }
    this.reconciled[mode] = true;
    await this.opts.store.write();
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
      if (st.mode !== 'off' && st.mode !== mode) cancelled = await this.cancelOpen(st.mode, out);
      const before = st.mode;
      st.mode = mode;
      st.modeChosen = true;
      await this.opts.store.write();
      const parts = [mode === before ? `Trading is already ${mode}` : `Trading is now ${mode}`];
      if (cancelled) parts.push(`${cancelled} open order${cancelled > 1 ? 's' : ''} cancelled`);
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
    for (const id of ids) {
      const known = await broker.fetchOrder(this.opts.symbol, id);
      if (!known) continue;
      const o = known.status === 'open' ? await broker.cancelOrder(this.opts.symbol, id) : known;
      if (known.status === 'open') n++;
      await this.bookExecution(book, o, out);
    }
    book.order = undefined;
    book.status = await this.deriveStatus(broker);
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
