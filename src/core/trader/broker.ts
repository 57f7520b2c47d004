/**
 * The one interface every broker (paper wallet, live exchange) offers the trader. Symbols use
 * the ITB spelling (BTCUSDT); amounts are plain numbers already rounded to the market's rules.
 */

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';

/**
 * open: resting, nothing or part filled; filled: done; canceled/expired/rejected: closed, maybe
 * with a partial fill (see `filled`).
 */
export type OrderStatus = 'open' | 'filled' | 'canceled' | 'expired' | 'rejected';

export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** Limit price (ignored for market orders). */
  price?: number;
  /** Base quantity. */
  quantity: number;
  /** Identifies the order on the exchange and in the books (derived from the signal). */
  clientOrderId: string;
  /** The request's timestamp from the broker's `orderStamp()` (live brokers that stamp requests). */
  timestamp?: number;
}

/**
 * When an order request is signed and until when it can execute: Binance forwards a request to
 * its matching engine only while its clock is within `recvWindow` of the request's timestamp.
 */
export interface OrderStamp {
  timestamp: number;
  /** timestamp + recvWindow, in the exchange's clock: after it the request can no longer execute. */
  validUntil: number;
}

export interface Order {
  clientOrderId: string;
  /** The exchange's id ('' until known). */
  id: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  price: number;
  quantity: number;
  /** Base quantity executed so far. */
  filled: number;
  /** Quote amount executed so far (Σ price × quantity of the fills), before fees. */
  cost: number;
  /** Fees paid, in quote currency (a fee taken in the base asset counted at its fill price). */
  fee: number;
  /** The part of the fee taken in the base asset, in base units: a buy delivered that much less. */
  feeBase?: number;
  status: OrderStatus;
  /** Epoch ms the order was created. */
  time: number;
  /** Set on an order whose placement got no clear answer: the stamp's `validUntil`. */
  validUntil?: number;
}

/** Free and locked amounts per asset. */
export type Balances = Record<string, { free: number; locked: number }>;

/** The exchange's trading rules for one market (Binance's PRICE_FILTER, LOT_SIZE, NOTIONAL). */
export interface MarketRules {
  symbol: string;
  base: string;
  quote: string;
  /** Price increment (0 = any). */
  tickSize: number;
  /** Quantity increment (0 = any). */
  stepSize: number;
  minQty: number;
  /** Minimum price × quantity of an order. */
  minNotional: number;
}

export interface Broker {
  readonly kind: 'paper' | 'live';
  /** Loads what the broker needs before the first call (markets, saved wallet). */
  init(): Promise<void>;
  rules(symbol: string): Promise<MarketRules>;
  balances(): Promise<Balances>;
  /**
   * Places an order, or returns the existing one when an open order with the same client id is
   * known. The request is sent once: a refusal throws OrderRejectedError, no clear answer throws
   * OrderUnconfirmedError (the order may exist or still come to exist; it is never sent again).
   */
  placeOrder(req: OrderRequest): Promise<Order>;
  /** The stamp for the next order request, for brokers whose requests expire (Binance's recvWindow). */
  orderStamp?(): OrderStamp | undefined;
  /** The order with this client id, or undefined when the exchange does not know it. */
  fetchOrder(symbol: string, clientOrderId: string): Promise<Order | undefined>;
  /**
   * What became of an order whose placement got no clear answer: its state when the exchange knows
   * it; 'gone' once the exchange has shown the request can no longer execute (a look-up it
   * accepted after `validUntil`); 'unknown' before that.
   */
  fetchUnconfirmed?(symbol: string, clientOrderId: string, validUntil: number): Promise<Order | 'gone' | 'unknown'>;
  /** Orders placed at or after `since` (epoch ms), open or closed, oldest first. */
  recentOrders(symbol: string, since: number): Promise<Order[]>;
  /** Cancels an open order and returns its final state (an already closed order is returned as is). */
  cancelOrder(symbol: string, clientOrderId: string): Promise<Order>;
  openOrders(symbol: string): Promise<Order[]>;
  close?(): Promise<void>;
}

/** The exchange refused an order (rule violation, insufficient balance): it does not exist and never will. */
export class OrderRejectedError extends Error {
  override readonly name = 'OrderRejectedError';
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

/** An order request got no clear answer (timeout, lost reply, 5xx): the order may exist, now or later. */
export class OrderUnconfirmedError extends Error {
  override readonly name = 'OrderUnconfirmedError';
  constructor(
    readonly clientOrderId: string,
    cause: unknown,
    /** The request's stamp `validUntil`, when it had one. */
    readonly validUntil?: number,
  ) {
    super(`order ${clientOrderId} got no clear answer (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}
