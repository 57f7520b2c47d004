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
  /** Idempotency key: placing the same id twice never creates a second order. */
  clientOrderId: string;
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
  /** Fees paid, in quote currency. */
  fee: number;
  status: OrderStatus;
  /** Epoch ms the order was created. */
  time: number;
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
   * Places an order, or returns the existing one when an order with the same client id is known
   * (a retry after a lost reply). A rule violation throws OrderRejectedError.
   */
  placeOrder(req: OrderRequest): Promise<Order>;
  /** The order with this client id, or undefined when the exchange does not know it. */
  fetchOrder(symbol: string, clientOrderId: string): Promise<Order | undefined>;
  /** Cancels an open order and returns its final state (an already closed order is returned as is). */
  cancelOrder(symbol: string, clientOrderId: string): Promise<Order>;
  openOrders(symbol: string): Promise<Order[]>;
  close?(): Promise<void>;
}

/** The exchange refused an order (rule violation, insufficient balance): not worth retrying. */
export class OrderRejectedError extends Error {
  override readonly name = 'OrderRejectedError';
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}
