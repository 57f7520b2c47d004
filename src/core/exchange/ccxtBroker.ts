import ccxt, { type Exchange, type Order as CcxtOrder } from 'ccxt';
import { OrderRejectedError, type Balances, type Broker, type MarketRules, type Order, type OrderRequest, type OrderStatus } from '../trader/broker.ts';
import { ruleViolation } from '../trader/marketRules.ts';
import { isRetryable, toCcxtSymbol, withRetry, type RetryOptions } from './ccxt.ts';

/**
 * Real orders through ccxt. Placement is idempotent by client order id: after a timeout or a
 * lost reply the order is looked up by that id before anything is sent again, and the
 * exchange's "Duplicate order sent." answer resolves to the existing order.
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

  async placeOrder(req: OrderRequest): Promise<Order> {
    const rules = await this.rules(req.symbol);
    const violation = ruleViolation(req.type === 'limit' ? req : { quantity: req.quantity }, rules, req.price ?? NaN);
    if (violation && !(req.type === 'market' && violation.includes('notional'))) throw new OrderRejectedError(violation, -1013);
    const retries = this.retry.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      try {
        const o = await this.exchange.createOrder(toCcxtSymbol(req.symbol), req.type, req.side, req.quantity, req.type === 'limit' ? req.price : undefined, {
          newClientOrderId: req.clientOrderId,
        });
        return this.toOrder(o, req.symbol, req.clientOrderId);
      } catch (e) {
        if (isDuplicate(e)) {
          const existing = await this.fetchOrder(req.symbol, req.clientOrderId);
          if (existing) return existing;
        }
        if (isRejection(e)) throw new OrderRejectedError((e as Error).message.replace(/^binance\s*/, ''), binanceCode(e));
        if (!isRetryable(e) || attempt >= retries) throw e;
        // The request may have reached the exchange: look before sending it again.
        const existing = await this.fetchOrder(req.symbol, req.clientOrderId);
        if (existing) return existing;
        this.retry.log?.warn(`order ${req.clientOrderId} unconfirmed (${(e as Error).name}); not on the exchange, sending it again`);
      }
    }
  }

  async fetchOrder(symbol: string, clientOrderId: string): Promise<Order | undefined> {
    try {
      const o = await withRetry(() => this.exchange.fetchOrder('', toCcxtSymbol(symbol), { origClientOrderId: clientOrderId }), {
        ...this.retry,
        what: `order ${clientOrderId}`,
      });
      return this.withFees(this.toOrder(o, symbol, clientOrderId));
    } catch (e) {
      if (e instanceof ccxt.OrderNotFound) return undefined;
      throw e;
    }
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

  /** Fees of an executed order from its trades (Binance reports them only there), converted to the quote asset. */
  private async withFees(o: Order): Promise<Order> {
    if (!(o.filled > 0) || o.status === 'open') return o;
    try {
      const market = this.exchange.market(toCcxtSymbol(o.symbol));
      const trades = await withRetry(() => this.exchange.fetchOrderTrades(o.id, market.symbol), { ...this.retry, what: `trades of ${o.clientOrderId}` });
      let fee = 0;
      for (const t of trades) {
        const f = t.fee;
        if (!f?.cost) continue;
        if (f.currency === market.quote) fee += f.cost;
        else if (f.currency === market.base) fee += f.cost * Number(t.price);
      }
      return { ...o, fee };
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

/** The exchange refused the order itself (filters, funds): sending it again cannot help. */
function isRejection(e: unknown): boolean {
  return e instanceof ccxt.InvalidOrder || e instanceof ccxt.InsufficientFunds || e instanceof ccxt.BadRequest;
}

function binanceCode(e: unknown): number | undefined {
  const m = /"code":\s*(-?\d+)/.exec((e as Error).message ?? '');
  return m ? Number(m[1]) : undefined;
}
