/**
 * Order endpoints for the loopback Binance fake: a tiny matching engine that fills resting
 * orders against the candles the fake serves, with Binance's filter rejections (-1013), balance
 * and duplicate-id rejections (-2010), its timing security (-1021) and its order JSON, so
 * ccxt's binance class trades on it.
 *
 * Two clocks, as the tests need them: the candle clock (`setNow`, the simulated market time that
 * decides which candles have closed and fill orders) and the server clock of the timing
 * security, which is the wall clock (ccxt stamps requests with it) moved on by `passTime`.
 */
import crypto from 'node:crypto';
import type { Candle } from '../../src/core/exchange/types.ts';
import type { FakeBinance, FakeReply, FakeRequest, FakeRoute } from './binance.ts';

export interface FakeMarket {
  base: string;
  quote: string;
  tickSize: number;
  stepSize: number;
  minQty: number;
  minNotional: number;
}

/** The filters the core fake publishes in exchangeInfo for the markets the tests trade. */
export const FAKE_MARKETS: Record<string, FakeMarket> = {
  BTCUSDT: { base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, minNotional: 5 },
  ETHUSDT: { base: 'ETH', quote: 'USDT', tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, minNotional: 5 },
};

type BinanceStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export interface FakeOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  price: number;
  origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  commission: number;
  status: BinanceStatus;
  /** The fake's clock when it was accepted. */
  time: number;
  updateTime: number;
  /** Quote reserved per unit for a buy (limit price, or the last close for a market buy). */
  reservePrice: number;
  /** Open time of the last candle this order was matched against. */
  matchedUpTo: number;
  fills: { id: number; price: number; qty: number; commission: number; commissionAsset: string; time: number }[];
}

export interface FakeOrderBook {
  readonly routes: FakeRoute[];
  /** Every order ever accepted, by id. */
  readonly orders: FakeOrder[];
  balances: Record<string, { free: number; locked: number }>;
  /** Sets the candles on the fake and on the matching engine. */
  setCandles(symbol: string, candles: Candle[]): void;
  /** Moves the clock of the fake and of the matching engine (fills happen lazily, on the next request). */
  setNow(ms: number): void;
  /** The exchange's clock for timing security (epoch ms): the wall clock plus what `passTime` added. */
  serverTime(): number;
  /** Moves the server clock on by `ms` at once, as if that much time had passed (the client's clock must follow). */
  passTime(ms: number): void;
}

export interface FakeOrderBookOptions {
  balances?: Record<string, number>;
  /** Commission per fill as a fraction of the amount received. */
  fee?: number;
  /**
   * The asset commission is taken in: `received` (Binance's rule without BNB: the base asset a
   * buy receives, the quote asset a sell receives; the default), always the `quote` asset, or
   * `BNB` (the account pays fees in BNB: the fee's value at BNBUSDT's last close, from the BNB balance).
   */
  commission?: 'received' | 'quote' | 'BNB';
  intervalMs?: number;
  /** Requests without this X-MBX-APIKEY are refused (-2015). */
  apiKey?: string;
}

const reject = (code: number, msg: string, status = 400): FakeReply => ({ status, body: { code, msg } });
/** Binance's `recvWindow` when a request sends none, and the largest it accepts. */
const RECV_WINDOW_DEFAULT = 5000;
const RECV_WINDOW_MAX = 60_000;
/** How far ahead of the server's clock a request's timestamp may be. */
const AHEAD_MS = 1000;
const dec = (v: number) => v.toFixed(8);
const isMultiple = (v: number, step: number) => !(step > 0) || Math.abs(Math.round(v / step) * step - v) <= step * 1e-6;

/** Adds order, account and trade endpoints to `fake` and returns the engine behind them. */
export function attachOrderEndpoints(fake: FakeBinance, opts: FakeOrderBookOptions = {}): FakeOrderBook {
  const fee = opts.fee ?? 0.001;
  const feeInBase = (opts.commission ?? 'received') === 'received';
  const feeInBnb = opts.commission === 'BNB';
  /** Quote a buy pays in commission per quote unit of its price (none when the commission is taken in base or BNB). */
  const buyQuoteFee = feeInBase || feeInBnb ? 0 : fee;
  const intervalMs = opts.intervalMs ?? 60_000;
  // The server clock's offset from the wall clock, as it changed over (wall) time.
  const skews: { from: number; skew: number }[] = [{ from: -Infinity, skew: 0 }];
  const serverTimeAt = (wall: number) => {
    let skew = 0;
    for (const s of skews) if (s.from <= wall) skew = s.skew;
    return wall + skew;
  };
  const candles = new Map<string, Candle[]>();
  const orders: FakeOrder[] = [];
  let now = Date.now();
  let tradeIds = 0;
  const balances: Record<string, { free: number; locked: number }> = {};
  for (const [a, v] of Object.entries(opts.balances ?? { USDT: 1000 })) balances[a] = { free: v, locked: 0 };
  const bal = (asset: string) => (balances[asset] ??= { free: 0, locked: 0 });

  const lastClose = (symbol: string): number => {
    const list = candles.get(symbol) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.time + intervalMs <= now) return list[i]!.close;
    return NaN;
  };

  /** Fills open orders against every candle that closed after they were placed. */
  const match = () => {
    for (const o of orders) {
      if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') continue;
      const m = FAKE_MARKETS[o.symbol]!;
      for (const c of candles.get(o.symbol) ?? []) {
        if (c.time <= o.matchedUpTo || c.time + intervalMs <= o.time || c.time + intervalMs > now) continue;
        o.matchedUpTo = c.time;
        const price = o.type === 'MARKET' ? c.open : o.side === 'BUY' ? (c.low <= o.price ? Math.min(c.open, o.price) : NaN) : c.high >= o.price ? Math.max(c.open, o.price) : NaN;
        if (!Number.isFinite(price)) continue;
        const qty = Math.min(o.origQty - o.executedQty, c.volume > 0 ? c.volume : Infinity);
        const cost = qty * price;
        let commission: number;
        let commissionAsset: string;
        if (feeInBnb) {
          const bnb = lastClose('BNBUSDT');
          if (!(bnb > 0)) throw new Error('the fake takes fees in BNB but has no BNBUSDT candle to price them');
          // Binance states and takes the BNB commission to 8 decimals
          [commission, commissionAsset] = [Number(((cost * fee) / bnb).toFixed(8)), 'BNB'];
          bal('BNB').free -= commission;
          if (o.side === 'BUY') {
            const reserved = qty * o.reservePrice;
            bal(m.quote).locked -= reserved;
            bal(m.quote).free += reserved - cost;
            bal(m.base).free += qty;
          } else {
            bal(m.base).locked -= qty;
            bal(m.quote).free += cost;
          }
        } else if (o.side === 'BUY') {
          [commission, commissionAsset] = feeInBase ? [qty * fee, m.base] : [cost * fee, m.quote];
          const reserved = qty * o.reservePrice * (1 + buyQuoteFee);
          bal(m.quote).locked -= reserved;
          bal(m.quote).free += reserved - cost - (feeInBase ? 0 : commission);
          bal(m.base).free += qty - (feeInBase ? commission : 0);
        } else {
          [commission, commissionAsset] = [cost * fee, m.quote];
          bal(m.base).locked -= qty;
          bal(m.quote).free += cost - commission;
        }
        o.fills.push({ id: ++tradeIds, price, qty, commission, commissionAsset, time: now });
        o.executedQty += qty;
        o.cummulativeQuoteQty += cost;
        o.commission += commission;
        o.updateTime = now;
        o.status = o.origQty - o.executedQty <= o.origQty * 1e-9 ? 'FILLED' : 'PARTIALLY_FILLED';
        if (o.status === 'FILLED') break;
      }
    }
  };

  const release = (o: FakeOrder) => {
    const m = FAKE_MARKETS[o.symbol]!;
    const left = o.origQty - o.executedQty;
    if (o.side === 'BUY') {
      const amount = left * o.reservePrice * (1 + buyQuoteFee);
      bal(m.quote).locked -= amount;
      bal(m.quote).free += amount;
    } else {
      bal(m.base).locked -= left;
      bal(m.base).free += left;
    }
  };

  const json = (o: FakeOrder) => ({
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: dec(o.type === 'MARKET' ? 0 : o.price),
    origQty: dec(o.origQty),
    executedQty: dec(o.executedQty),
    cummulativeQuoteQty: dec(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: 'GTC',
    type: o.type,
    side: o.side,
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: '0.00000000',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  });

  const params = (req: FakeRequest) => {
    const p = new URLSearchParams(req.query);
    for (const [k, v] of req.body) p.set(k, v);
    return p;
  };

  /**
   * Binance's timing security for SIGNED requests: refused when the timestamp is more than 1 s
   * ahead of the server's clock at receipt, or older than recvWindow at receipt or just before the
   * matching engine (here: when the handler runs, after any hold).
   */
  const timingRefusal = (req: FakeRequest): FakeReply | undefined => {
    const p = params(req);
    const timestamp = Number(p.get('timestamp'));
    if (!p.get('timestamp') || !Number.isFinite(timestamp)) return reject(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    const recvWindow = p.has('recvWindow') ? Number(p.get('recvWindow')) : RECV_WINDOW_DEFAULT;
    if (!(recvWindow > 0) || recvWindow > RECV_WINDOW_MAX) return reject(-1131, 'recvWindow must be less than 60000');
    const atReceipt = serverTimeAt(req.receivedAt);
    if (timestamp >= atReceipt + AHEAD_MS) return reject(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
    if (atReceipt - timestamp > recvWindow || serverTimeAt(Date.now()) - timestamp > recvWindow) {
      return reject(-1021, 'Timestamp for this request is outside of the recvWindow.');
    }
    return undefined;
  };

  const authorised = (req: FakeRequest): FakeReply | undefined => {
    if (opts.apiKey !== undefined && req.headers['x-mbx-apikey'] !== opts.apiKey) return reject(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
    if (!params(req).get('signature')) return reject(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    return timingRefusal(req);
  };

  const isOpen = (o: FakeOrder) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';

  /** The order by id, or the newest with the client id (a client id is unique among open orders only). */
  const findOrder = (p: URLSearchParams): FakeOrder | undefined => {
    const symbol = p.get('symbol');
    const id = p.get('orderId');
    const cid = p.get('origClientOrderId');
    return orders.findLast((o) => o.symbol === symbol && ((id && String(o.orderId) === id) || (cid && o.clientOrderId === cid)));
  };

  const newOrder = (req: FakeRequest): FakeReply => {
    const p = params(req);
    const symbol = p.get('symbol') ?? '';
    const m = FAKE_MARKETS[symbol];
    if (!m) return reject(-1121, 'Invalid symbol.');
    const side = p.get('side') as 'BUY' | 'SELL';
    const type = p.get('type') as 'LIMIT' | 'MARKET';
    const qty = Number(p.get('quantity'));
    const price = type === 'LIMIT' ? Number(p.get('price')) : NaN;
    const clientOrderId = p.get('newClientOrderId') || `fake-${crypto.randomUUID().slice(0, 12)}`;
    // Binance: "a unique id among open orders"; once the first is filled, the same id is accepted again.
    if (orders.some((o) => o.clientOrderId === clientOrderId && isOpen(o))) return reject(-2010, 'Duplicate order sent.');
    if (!(qty >= m.minQty) || !isMultiple(qty, m.stepSize)) return reject(-1013, 'Filter failure: LOT_SIZE');
    if (type === 'LIMIT' && (!(price > 0) || !isMultiple(price, m.tickSize))) return reject(-1013, 'Filter failure: PRICE_FILTER');
    const refPrice = type === 'LIMIT' ? price : lastClose(symbol);
    if (!(refPrice * qty >= m.minNotional)) return reject(-1013, 'Filter failure: NOTIONAL');
    const needed = side === 'BUY' ? refPrice * qty * (1 + buyQuoteFee) : qty;
    const asset = side === 'BUY' ? m.quote : m.base;
    if (bal(asset).free + 1e-12 < needed) return reject(-2010, 'Account has insufficient balance for requested action.');
    bal(asset).free -= needed;
    bal(asset).locked += needed;
    const o: FakeOrder = {
      orderId: orders.length + 1001,
      clientOrderId,
      symbol,
      side,
      type,
      price,
      origQty: qty,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      commission: 0,
      status: 'NEW',
      time: now,
      updateTime: now,
      reservePrice: refPrice,
      matchedUpTo: -1,
      fills: [],
    };
    orders.push(o);
    match();
    return { body: { ...json(o), transactTime: now, fills: [] } };
  };

  /** A SIGNED endpoint: key, signature and timing checked, then resting orders matched up to now. */
  const signed = (method: string, path: string, handle: (req: FakeRequest) => FakeReply): FakeRoute => ({
    method,
    path,
    handle: (req) => {
      const denied = authorised(req);
      if (denied) return denied;
      match();
      return handle(req);
    },
  });

  const routes: FakeRoute[] = [
    {
      method: 'POST',
      path: '/api/v3/order',
      handle: (req) => authorised(req) ?? newOrder(req),
    },
    signed('GET', '/api/v3/order', (req) => {
      const o = findOrder(params(req));
      return o ? { body: json(o) } : reject(-2013, 'Order does not exist.');
    }),
    signed('DELETE', '/api/v3/order', (req) => {
      const o = findOrder(params(req));
      if (!o || !isOpen(o)) return reject(-2011, 'Unknown order sent.');
      o.status = 'CANCELED';
      o.updateTime = now;
      release(o);
      return { body: { ...json(o), origClientOrderId: o.clientOrderId, clientOrderId: `cancel-${o.orderId}` } };
    }),
    signed('GET', '/api/v3/openOrders', (req) => {
      const symbol = params(req).get('symbol');
      return { body: orders.filter((o) => (!symbol || o.symbol === symbol) && isOpen(o)).map(json) };
    }),
    signed('GET', '/api/v3/allOrders', (req) => {
      const p = params(req);
      const start = Number(p.get('startTime') ?? -Infinity);
      const limit = Math.min(Number(p.get('limit') ?? 500), 1000);
      const mine = orders.filter((o) => o.symbol === p.get('symbol') && o.time >= start);
      return { body: (p.has('startTime') ? mine.slice(0, limit) : mine.slice(-limit)).map(json) };
    }),
    signed('GET', '/api/v3/myTrades', (req) => {
      const p = params(req);
      const orderId = p.get('orderId');
      const mine = orders.filter((o) => o.symbol === p.get('symbol') && (!orderId || String(o.orderId) === orderId));
      return {
        body: mine.flatMap((o) =>
          o.fills.map((f) => ({
            symbol: o.symbol,
            id: f.id,
            orderId: o.orderId,
            orderListId: -1,
            price: dec(f.price),
            qty: dec(f.qty),
            quoteQty: dec(f.price * f.qty),
            commission: dec(f.commission),
            commissionAsset: f.commissionAsset,
            time: f.time,
            isBuyer: o.side === 'BUY',
            isMaker: o.type === 'LIMIT',
            isBestMatch: true,
          })),
        ),
      };
    }),
    signed('GET', '/api/v3/account', () => {
      return {
        body: {
          makerCommission: 10,
          takerCommission: 10,
          buyerCommission: 0,
          sellerCommission: 0,
          canTrade: true,
          canWithdraw: true,
          canDeposit: true,
          updateTime: now,
          accountType: 'SPOT',
          balances: Object.entries(balances).map(([asset, b]) => ({ asset, free: dec(b.free), locked: dec(b.locked) })),
          permissions: ['SPOT'],
        },
      };
    }),
  ];
  for (const r of routes) fake.addRoute(r);

  return {
    routes,
    orders,
    balances,
    setCandles(symbol, list) {
      const sorted = [...list].sort((a, b) => a.time - b.time);
      candles.set(symbol, sorted);
      fake.setCandles(symbol, sorted);
    },
    setNow(ms) {
      now = ms;
      fake.setNow(ms);
    },
    serverTime: () => serverTimeAt(Date.now()),
    passTime(ms) {
      skews.push({ from: Date.now(), skew: skews.at(-1)!.skew + ms });
    },
  };
}
