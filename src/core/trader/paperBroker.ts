import type { Candle } from '../exchange/types.ts';
import { OrderRejectedError, type Balances, type Broker, type MarketRules, type Order, type OrderRequest } from './broker.ts';
import { ruleViolation, splitSymbol } from './marketRules.ts';

/** Everything the paper wallet keeps between runs. */
export interface PaperWallet {
  balances: Balances;
  /** Every order ever placed, newest last (the client id is the key). */
  orders: PaperOrder[];
  /** Last close seen per symbol: the reference price of market orders. */
  lastPrice: Record<string, number>;
  /** Open time of the last bar seen per symbol: orders fill only on bars after their placement. */
  lastBar: Record<string, number>;
  /** The id of the newest order (ids stay unique while old orders are forgotten). */
  nextOrderId?: number;
}

/**
 * An order, the price its buy funds were reserved at (the limit, or the last close for a market
 * order) and the last bar before it was placed.
 */
export type PaperOrder = Order & { reservePrice: number; afterBar: number };

/**
 * Where the wallet lives: inside the trader's state file in the service (the trader writes it
 * when `revision` moves), a plain object in tests.
 */
export interface PaperWalletStore {
  data: PaperWallet;
  write(): Promise<void>;
}

export interface PaperBrokerOptions {
  initialBalances: Record<string, number>;
  /** Fee as a fraction of the quote amount of each fill, charged in the quote asset. */
  fees: number;
  clock: () => number;
  store?: PaperWalletStore;
  /** Market rules per symbol; unknown symbols get Binance's BTCUSDT-like defaults. */
  rules?: Record<string, Partial<MarketRules>>;
  baseAsset?: string;
  quoteAsset?: string;
}

export function emptyPaperWallet(initialBalances: Record<string, number>): PaperWallet {
  const balances: Balances = {};
  for (const [asset, amount] of Object.entries(initialBalances)) balances[asset] = { free: amount, locked: 0 };
  return { balances, orders: [], lastPrice: {}, lastBar: {} };
}

/**
 * Several symbols' wallets as one (the first start of symbols that traded alone before on one
 * account): balances added asset by asset, every order kept, each symbol's last price and bar.
 */
export function mergePaperWallets(wallets: readonly PaperWallet[]): PaperWallet {
  const merged: PaperWallet = { balances: {}, orders: [], lastPrice: {}, lastBar: {}, nextOrderId: 0 };
  for (const w of wallets) {
    for (const [asset, b] of Object.entries(w.balances)) {
      const m = (merged.balances[asset] ??= { free: 0, locked: 0 });
      m.free += b.free;
      m.locked += b.locked;
    }
    merged.orders.push(...structuredClone(w.orders));
    for (const [symbol, t] of Object.entries(w.lastBar)) {
      if (t >= (merged.lastBar[symbol] ?? -Infinity)) {
        merged.lastBar[symbol] = t;
        if (w.lastPrice[symbol] !== undefined) merged.lastPrice[symbol] = w.lastPrice[symbol]!;
      }
    }
    for (const [symbol, p] of Object.entries(w.lastPrice)) merged.lastPrice[symbol] ??= p;
    merged.nextOrderId = Math.max(merged.nextOrderId!, w.nextOrderId ?? 0, w.orders.length);
  }
  merged.orders.sort((a, b) => a.time - b.time);
  return merged;
}


/**
 * A simulated wallet. Orders rest until the next closed bar: a market order fills at that bar's
 * open, a limit order when the bar's range reaches its price (at the open when the bar gaps
 * through it). A bar fills at most its own volume, so thin bars give partial fills.
 */
export class PaperBroker implements Broker {
  readonly kind = 'paper' as const;
  private readonly store: PaperWalletStore;
  /** Counts the wallet's changes, so an owner that persists it knows when to write. */
  revision = 0;

  constructor(private readonly opts: PaperBrokerOptions) {
    this.store = opts.store ?? { data: emptyPaperWallet(opts.initialBalances), write: async () => {} };
  }

  async init(): Promise<void> {}

  async rules(symbol: string): Promise<MarketRules> {
    const { base, quote } = splitSymbol(symbol, this.opts.baseAsset, this.opts.quoteAsset);
    return { symbol, base, quote, tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, minNotional: 5, ...this.opts.rules?.[symbol] };
  }

  async balances(): Promise<Balances> {
    return structuredClone(this.store.data.balances);
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    const existing = this.find(req.clientOrderId);
    if (existing) return publicOrder(existing);
    const rules = await this.rules(req.symbol);
    const refPrice = req.type === 'limit' && req.price !== undefined ? req.price : this.store.data.lastPrice[req.symbol] ?? NaN;
    if (!(refPrice > 0)) throw new OrderRejectedError(`no price known for ${req.symbol} yet`);
    const violation = ruleViolation(req.type === 'limit' ? req : { quantity: req.quantity }, rules, refPrice);
    if (violation) throw new OrderRejectedError(violation, -1013);

    // Funds are locked at placement, as on an exchange; a market buy reserves its reference value.
    const w = this.store.data.balances;
    const asset = req.side === 'buy' ? rules.quote : rules.base;
    const needed = req.side === 'buy' ? refPrice * req.quantity * (1 + this.opts.fees) : req.quantity;
    const bal = (w[asset] ??= { free: 0, locked: 0 });
    if (bal.free + 1e-12 < needed) throw new OrderRejectedError('Account has insufficient balance for requested action.', -2010);
    bal.free -= needed;
    bal.locked += needed;

    const order: PaperOrder = {
      clientOrderId: req.clientOrderId,
      id: String((this.store.data.nextOrderId = (this.store.data.nextOrderId ?? 0) + 1)),
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      price: req.type === 'limit' ? req.price! : NaN,
      quantity: req.quantity,
      filled: 0,
      cost: 0,
      fee: 0,
      status: 'open',
      time: this.opts.clock(),
      reservePrice: refPrice,
      afterBar: this.store.data.lastBar[req.symbol] ?? -1,
    };
    this.store.data.orders.push(order);
    this.forgetOldOrders();
    this.revision++;
    await this.store.write();
    return publicOrder(order);
  }

  async fetchOrder(_symbol: string, clientOrderId: string): Promise<Order | undefined> {
    const o = this.find(clientOrderId);
    return o && publicOrder(o);
  }

  async cancelOrder(_symbol: string, clientOrderId: string): Promise<Order> {
    const o = this.find(clientOrderId);
    if (!o) throw new OrderRejectedError('Unknown order sent.', -2011);
    if (o.status === 'open') {
      o.status = 'canceled';
      await this.release(o);
      this.revision++;
      await this.store.write();
    }
    return publicOrder(o);
  }

  async openOrders(symbol: string): Promise<Order[]> {
    return this.store.data.orders.filter((o) => o.symbol === symbol && o.status === 'open').map(publicOrder);
  }

  async recentOrders(symbol: string, since: number): Promise<Order[]> {
    return this.store.data.orders.filter((o) => o.symbol === symbol && o.time >= since).map(publicOrder);
  }

  /** A bar closed: fill resting orders placed before it opened, and remember its close. A bar seen before changes nothing. */
  async observeBar(symbol: string, bar: Candle): Promise<Order[]> {
    const touched: Order[] = [];
    if (bar.time <= (this.store.data.lastBar[symbol] ?? -1)) return touched;
    let volumeLeft = bar.volume > 0 ? bar.volume : Infinity;
    for (const o of this.store.data.orders) {
      if (o.symbol !== symbol || o.status !== 'open' || bar.time <= o.afterBar || volumeLeft <= 0) continue;
      const price = fillPrice(o, bar);
      if (price === undefined) continue;
      const qty = Math.min(o.quantity - o.filled, volumeLeft);
      volumeLeft -= qty;
      await this.fill(o, qty, price);
      touched.push(publicOrder(o));
    }
    this.store.data.lastPrice[symbol] = bar.close;
    this.store.data.lastBar[symbol] = bar.time;
    // The last price and bar reach the disk with the next order; a bar without fills costs no write.
    if (touched.length) {
      this.revision++;
      await this.store.write();
    }
    return touched;
  }

  /** Keeps every open order and the newest closed ones: enough to answer a retried placement or a look-up. */
  private forgetOldOrders(): void {
    const orders = this.store.data.orders;
    const keepClosed = 200;
    let closed = 0;
    for (let i = orders.length - 1; i >= 0; i--) {
      if (orders[i]!.status === 'open') continue;
      if (++closed > keepClosed) orders.splice(i, 1);
    }
  }

  private find(clientOrderId: string): PaperOrder | undefined {
    return this.store.data.orders.find((o) => o.clientOrderId === clientOrderId);
  }

  private async fill(o: PaperOrder, qty: number, price: number): Promise<void> {
    const rules = await this.rules(o.symbol);
    const w = this.store.data.balances;
    const base = (w[rules.base] ??= { free: 0, locked: 0 });
    const quote = (w[rules.quote] ??= { free: 0, locked: 0 });
    const cost = qty * price;
    const fee = cost * this.opts.fees;
    if (o.side === 'buy') {
      const reservedPerUnit = o.reservePrice * (1 + this.opts.fees);
      quote.locked -= reservedPerUnit * qty;
      quote.free += reservedPerUnit * qty - cost - fee;
      base.free += qty;
    } else {
      base.locked -= qty;
      quote.free += cost - fee;
    }
    o.filled += qty;
    o.cost += cost;
    o.fee += fee;
    if (o.quantity - o.filled <= o.quantity * 1e-9) o.status = 'filled';
    if (o.status === 'filled') await this.release(o);
  }

  /** Returns what a closed order still holds locked. */
  private async release(o: PaperOrder): Promise<void> {
    const rules = await this.rules(o.symbol);
    const w = this.store.data.balances;
    const left = o.quantity - o.filled;
    if (o.side === 'buy') {
      const quote = (w[rules.quote] ??= { free: 0, locked: 0 });
      const amount = left * o.reservePrice * (1 + this.opts.fees);
      quote.locked -= amount;
      quote.free += amount;
      if (Math.abs(quote.locked) < 1e-9) quote.locked = 0;
    } else {
      const base = (w[rules.base] ??= { free: 0, locked: 0 });
      base.locked -= left;
      base.free += left;
      if (Math.abs(base.locked) < 1e-12) base.locked = 0;
    }
  }
}

/** Where a resting order trades within a bar, or undefined when the bar does not reach it. */
function fillPrice(o: Order, bar: Candle): number | undefined {
  if (o.type === 'market') return bar.open;
  if (o.side === 'buy') return bar.low <= o.price ? Math.min(bar.open, o.price) : undefined;
  return bar.high >= o.price ? Math.max(bar.open, o.price) : undefined;
}

function publicOrder(o: PaperOrder): Order {
  const { reservePrice: _reserved, afterBar: _after, ...order } = o;
  return order;
}
