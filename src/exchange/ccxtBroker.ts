import ccxt, { type Exchange, type Order as CcxtOrder } from 'ccxt';
import {
  OrderRejectedError,
  OrderUnconfirmedError,
  type Balances,
  type Broker,
  type MarketRules,
  type Order,
  type OrderRequest,
  type OrderStamp,
  type OrderStatus,
} from '../core/trader/broker.ts';
import { ruleViolation } from '../core/trader/marketRules.ts';
import { toCcxtSymbol, withRetry, type RetryOptions } from './ccxt.ts';

/** Binance refuses a request stamped more than this far ahead of its clock (its timing security). */
const AHEAD_MS = 1000;
/** Binance's recvWindow when none is configured in ccxt's options. */
const DEFAULT_RECV_WINDOW_MS = 5000;

/**
 * Real orders through ccxt. An order request is sent once and never again, whatever happens to
 * it: a refusal is an OrderRejectedError; a request without a clear answer (timeout, lost reply,
 * 5xx) is looked up by its client id and, when not found, is an OrderUnconfirmedError. On Binance
 * the request carries its own timestamp and recvWindow, so a later look-up can prove that it can
 * no longer execute (see fetchUnconfirmed) before the trader moves on.
 */
export class LiveBroker implements Broker {
  readonly kind = 'live' as const;
  private marketsLoaded = false;

  constructor(
    readonly exchange: Exchange,
    private readonly retry: RetryOptions = {},
  ) {}

  async init(): Promise<void> {
    if (this.marketsLoaded) return;
    await withRetry(() => this.exchange.loadMarkets(), { ...this.retry, what: 'markets' });
    this.marketsLoaded = true;
  }

  async rules(symbol: string): Promise<MarketRules> {
    await this.init();
    const m = this.exchange.market(toCcxtSymbol(symbol));
    // Most ccxt exchanges give precision as increments; some still as decimal places.
    const increment = (p: number | undefined) => {
      if (p === undefined || !Number.isFinite(Number(p))) return 0;
      return this.exchange.precisionMode === ccxt.DECIMAL_PLACES ? 10 ** -Number(p) : Number(p);
    };
    return {
      symbol,
      base: m.base,
      quote: m.quote,
      tickSize: increment(m.precision?.price),
      stepSize: increment(m.precision?.amount),
      minQty: Number(m.limits?.amount?.min ?? 0),
      minNotional: Number(m.limits?.cost?.min ?? 0),
    };
  }

  async balances(): Promise<Balances> {
    const b = await withRetry(() => this.exchange.fetchBalance(), { ...this.retry, what: 'balances' });
    const out: Balances = {};
    const free = (b.free ?? {}) as unknown as Record<string, number | undefined>;
    const used = (b.used ?? {}) as unknown as Record<string, number | undefined>;
    for (const asset of Object.keys(free)) out[asset] = { free: Number(free[asset] ?? 0), locked: Number(used[asset] ?? 0) };
    return out;
  }

  /** Binance checks each request's timestamp against recvWindow; other exchanges get no stamp. */
  private get stampsRequests(): boolean {
    return this.exchange.id.startsWith('binance');
  }

  private get recvWindowMs(): number {
    const configured = Number((this.exchange.options as Record<string, unknown>).recvWindow);
    return configured > 0 ? configured : DEFAULT_RECV_WINDOW_MS;
  }

  orderStamp(): OrderStamp | undefined {
    if (!this.stampsRequests) return undefined;
    const timestamp = Number(this.exchange.nonce());
    return { timestamp, validUntil: timestamp + this.recvWindowMs };
  }

  /**
   * Sends the order request once. It is never sent a second time: Binance accepts a client id
   * again as soon as the first order with it is filled, so a re-sent request could execute twice
   * (the first one may still be on its way). A refusal throws OrderRejectedError; no clear answer
   * (timeout, dropped connection, 5xx, -1006/-1007) looks the order up once and, when it is not
   * there (yet), throws OrderUnconfirmedError with the request's validUntil.
   */
  async placeOrder(req: OrderRequest): Promise<Order> {
    const rules = await this.rules(req.symbol);
    const violation = ruleViolation(req.type === 'limit' ? req : { quantity: req.quantity }, rules, req.price ?? NaN);
    if (violation && !(req.type === 'market' && violation.includes('notional'))) throw new OrderRejectedError(violation, -1013);
    const stamp = req.timestamp !== undefined && this.stampsRequests ? { timestamp: req.timestamp, validUntil: req.timestamp + this.recvWindowMs } : this.orderStamp();
    try {
      const o = await this.exchange.createOrder(toCcxtSymbol(req.symbol), req.type, req.side, req.quantity, req.type === 'limit' ? req.price : undefined, {
        newClientOrderId: req.clientOrderId,
        ...(stamp ? { timestamp: stamp.timestamp, recvWindow: this.recvWindowMs } : {}),
      });
      return this.toOrder(o, req.symbol, req.clientOrderId);
    } catch (e) {
      if (isRefusal(e)) throw new OrderRejectedError((e as Error).message.replace(/^binance\s*/, ''), binanceCode(e));
      // A duplicate id (an open order of this signal exists) or no clear answer: look, never re-send.
      const existing = await this.fetchOrder(req.symbol, req.clientOrderId).catch(() => undefined);
      if (existing) return existing;
      this.retry.log?.warn(`order ${req.clientOrderId} got no clear answer (${(e as Error).name}) and is not on the exchange yet; it is not sent again`);
      throw new OrderUnconfirmedError(req.clientOrderId, e, stamp?.validUntil);
    }
  }

  async fetchOrder(symbol: string, clientOrderId: string, timestamp?: number): Promise<Order | undefined> {
    try {
      const params = { origClientOrderId: clientOrderId, ...(timestamp !== undefined ? { timestamp } : {}) };
      const o = await withRetry(() => this.exchange.fetchOrder('', toCcxtSymbol(symbol), params), { ...this.retry, what: `order ${clientOrderId}` });
      return this.withFees(this.toOrder(o, symbol, clientOrderId));
    } catch (e) {
      if (e instanceof ccxt.OrderNotFound) return undefined;
      throw e;
    }
  }

  /**
   * The look-up is stamped with this client's clock. Binance answers no request stamped more than
   * 1 s ahead of its own clock, so an answer to a look-up stamped at or after validUntil + 1 s shows
   * Binance's clock had passed validUntil: from then on it forwards the order request to no matching
   * engine. "No such order" then means the order never executes; before that it means "not yet".
   */
  async fetchUnconfirmed(symbol: string, clientOrderId: string, validUntil: number): Promise<Order | 'gone' | 'unknown'> {
    const stamp = Number(this.exchange.nonce());
    const o = await this.fetchOrder(symbol, clientOrderId, stamp);
    if (o) return o;
    return stamp >= validUntil + AHEAD_MS ? 'gone' : 'unknown';
  }

  /** The last one-minute close of `asset` in `quote` (of the inverse market when only that exists); NaN when neither is listed. */
  private async priceIn(asset: string, quote: string): Promise<number> {
    const direct = `${asset}/${quote}`;
    const inverse = `${quote}/${asset}`;
    const symbol = this.exchange.markets?.[direct] ? direct : this.exchange.markets?.[inverse] ? inverse : undefined;
    if (!symbol) return NaN;
    const rows = await withRetry(() => this.exchange.fetchOHLCV(symbol, '1m', undefined, 1), { ...this.retry, what: `the price of ${asset}` });
    const close = Number(rows.at(-1)?.[4]);
    if (!(close > 0)) return NaN;
    return symbol === direct ? close : 1 / close;
  }

  /** Orders placed since `since`, without their fees (fetchOrder gives those). */
  async recentOrders(symbol: string, since: number): Promise<Order[]> {
    const list = await withRetry(() => this.exchange.fetchOrders(toCcxtSymbol(symbol), since), { ...this.retry, what: `orders ${symbol}` });
    return list.map((o) => this.toOrder(o, symbol));
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<Order> {
    let failure: unknown;
    try {
      await withRetry(() => this.exchange.cancelOrder('', toCcxtSymbol(symbol), { origClientOrderId: clientOrderId }), {
        ...this.retry,
        what: `cancel ${clientOrderId}`,
      });
    } catch (e) {
      // Already filled or cancelled, or a retried cancel that had succeeded: the order's state tells.
      failure = e;
    }
    const o = await this.fetchOrder(symbol, clientOrderId);
    if (!o) throw new OrderRejectedError(`order ${clientOrderId} is not known to the exchange`, -2011);
    if (failure && o.status === 'open') throw failure;
    return o;
  }

  async openOrders(symbol: string): Promise<Order[]> {
    const list = await withRetry(() => this.exchange.fetchOpenOrders(toCcxtSymbol(symbol)), { ...this.retry, what: `open orders ${symbol}` });
    return list.map((o) => this.toOrder(o, symbol));
  }

  async close(): Promise<void> {
    await this.exchange.close?.();
  }

  private toOrder(o: CcxtOrder, symbol: string, clientOrderId?: string): Order {
    const filled = Number(o.filled ?? 0);
    const price = Number(o.price ?? NaN);
    return {
      clientOrderId: clientOrderId ?? o.clientOrderId ?? '',
      id: String(o.id ?? ''),
      symbol,
      side: o.side === 'sell' ? 'sell' : 'buy',
      type: o.type === 'market' ? 'market' : 'limit',
      price,
      quantity: Number(o.amount ?? 0),
      filled,
      cost: Number(o.cost ?? (filled * (o.average ?? price) || 0)),
      fee: 0,
      status: statusOf(o),
      time: Number(o.timestamp ?? Date.now()),
    };
  }

  /**
   * Fees of an order's fills so far from its trades (Binance reports them only there), converted to
   * the quote asset: a fee in the base asset at the fill's price, a fee in a third asset (BNB) at
   * that asset's last one-minute close against the quote (or the inverse market), read once per order.
   */
  private async withFees(o: Order): Promise<Order> {
    if (!(o.filled > 0)) return o;
    try {
      const market = this.exchange.market(toCcxtSymbol(o.symbol));
      const trades = await withRetry(() => this.exchange.fetchOrderTrades(o.id, market.symbol), { ...this.retry, what: `trades of ${o.clientOrderId}` });
      let fee = 0;
      let feeBase = 0;
      const prices = new Map<string, number>();
      for (const t of trades) {
        const f = t.fee;
        if (!f?.cost) continue;
        if (f.currency === market.quote) fee += f.cost;
        else if (f.currency === market.base) {
          fee += f.cost * Number(t.price);
          feeBase += f.cost;
        } else if (f.currency) {
          if (!prices.has(f.currency)) prices.set(f.currency, await this.priceIn(f.currency, market.quote!));
          const price = prices.get(f.currency)!;
          if (Number.isFinite(price)) fee += f.cost * price;
          else this.retry.log?.warn(`a fee of order ${o.clientOrderId} paid in ${f.currency} is booked as 0: no ${f.currency}/${market.quote} market to price it`);
        }
      }
      return { ...o, fee, feeBase };
    } catch (e) {
      this.retry.log?.warn(`fees of order ${o.clientOrderId} unknown: ${(e as Error).message}`);
      return o;
    }
  }
}

function statusOf(o: CcxtOrder): OrderStatus {
  switch (o.status) {
    case 'open':
      return 'open';
    case 'closed':
      return 'filled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    default:
      return 'canceled';
  }
}

function isDuplicate(e: unknown): boolean {
  return e instanceof Error && /Duplicate order/i.test(e.message);
}

/** Binance's "execution status unknown" codes (message bus, backend timeout). */
const UNKNOWN_OUTCOME_CODES = new Set([-1006, -1007]);

/**
 * The exchange answered and refused the request (filters, funds, timestamp, key, rate limit):
 * the order does not exist and never will. Anything else may have executed.
 */
function isRefusal(e: unknown): boolean {
  if (isDuplicate(e) || UNKNOWN_OUTCOME_CODES.has(binanceCode(e) ?? 0)) return false;
  if (
    e instanceof ccxt.InvalidOrder ||
    e instanceof ccxt.InsufficientFunds ||
    e instanceof ccxt.BadRequest ||
    e instanceof ccxt.InvalidNonce ||
    e instanceof ccxt.AuthenticationError ||
    e instanceof ccxt.RateLimitExceeded ||
    e instanceof ccxt.DDoSProtection
  )
    return true;
  const status = (e as { httpStatus?: number } | undefined)?.httpStatus;
  return status !== undefined && status >= 400 && status < 500 && status !== 408;
}

function binanceCode(e: unknown): number | undefined {
  const m = /"code":\s*(-?\d+)/.exec((e as Error).message ?? '');
  return m ? Number(m[1]) : undefined;
}
