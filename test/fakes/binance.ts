/**
 * A loopback fake of Binance's spot REST API: the endpoints ccxt's binance class calls to load
 * markets and fetch klines, with a settable clock and injectable faults. Tests start it on
 * 127.0.0.1 and point `exchange.api_root` at `url`; nothing here ever reaches the internet.
 * Order endpoints are added by other test files through `addRoute`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Candle } from '../../src/core/exchange/types.ts';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** When the fake received it (epoch ms, wall clock): lets tests check waits between requests. */
  receivedAt: number;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
}

export interface FakeRoute {
  method: string;
  /** e.g. '/api/v3/order' */
  path: string;
  /** Nothing (undefined) passes the request on to the next route for the path, then the built-in one. */
  handle(req: FakeRequest): FakeReply | undefined | Promise<FakeReply | undefined>;
}

export interface FakeFault {
  path?: string | RegExp;
  /** Only requests of this method (e.g. 'POST'); any method when absent. */
  method?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A delay longer than the client's timeout is a timeout. */
  delayMs?: number;
  /** How many matching requests it answers (default 1). */
  times?: number;
  /**
   * Run the real handler first, then answer with the fault (e.g. order accepted, reply lost).
   * Without it, a `delayMs` alone holds the request and then handles it: a request that reaches
   * the exchange late (executed after the client gave up on it).
   */
  afterHandling?: boolean;
}

export interface FakeBinance {
  /** http://127.0.0.1:PORT — put it in config.exchange.api_root / EXCHANGE_API_ROOT. */
  url: string;
  /** Every request received, in order. */
  requests: FakeRequest[];
  /** Candles served by /api/v3/klines, at their own interval or aggregated to a longer one. */
  setCandles(symbol: string, candles: Candle[]): void;
  /** The fake's clock: the candle containing `now` is served as still open, later ones not at all. */
  setNow(ms: number): void;
  /** Faults are consumed in order by matching requests. */
  injectFault(f: FakeFault): void;
  addRoute(r: FakeRoute): void;
  /** Resolves once no request is being handled (held requests included). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface SymbolInfo {
  base: string;
  quote: string;
  tickSize: string;
  stepSize: string;
  minQty: string;
  minNotional: string;
}

/** Real Binance spot filters of the two markets the tests trade. */
const KNOWN_SYMBOLS: Record<string, SymbolInfo> = {
  BTCUSDT: { base: 'BTC', quote: 'USDT', tickSize: '0.01', stepSize: '0.00001', minQty: '0.00001', minNotional: '5.00000000' },
  ETHUSDT: { base: 'ETH', quote: 'USDT', tickSize: '0.01', stepSize: '0.0001', minQty: '0.0001', minNotional: '5.00000000' },
};

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'USD'];

function symbolInfo(symbol: string): SymbolInfo {
  const known = KNOWN_SYMBOLS[symbol];
  if (known) return known;
  const quote = QUOTES.find((q) => symbol.endsWith(q) && symbol.length > q.length) ?? 'USDT';
  return { base: symbol.slice(0, symbol.length - quote.length), quote, tickSize: '0.01', stepSize: '0.00001', minQty: '0.00001', minNotional: '5.00000000' };
}

function exchangeSymbol(symbol: string) {
  const s = symbolInfo(symbol);
  return {
    symbol,
    status: 'TRADING',
    baseAsset: s.base,
    baseAssetPrecision: 8,
    quoteAsset: s.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: s.tickSize, maxPrice: '1000000.00000000', tickSize: s.tickSize },
      { filterType: 'LOT_SIZE', minQty: s.minQty, maxQty: '9000.00000000', stepSize: s.stepSize },
      { filterType: 'NOTIONAL', minNotional: s.minNotional, applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

const INTERVAL_MS: Record<string, number> = {
  '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000,
  '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000,
};

function binanceError(status: number, code: number, msg: string): FakeReply {
  return { status, body: { code, msg } };
}

/** Decimal text as Binance writes it (8 places). */
function dec(v: number | undefined): string {
  return Number.isFinite(v) ? (v as number).toFixed(8) : '0.00000000';
}

interface Series {
  intervalMs: number;
  candles: Candle[];
}

/** Aggregates candles of a shorter interval into bars of `intervalMs` (open-time aligned, UTC). */
function aggregate(candles: Candle[], intervalMs: number): Candle[] {
  const out: Candle[] = [];
  const weekOffset = intervalMs === INTERVAL_MS['1w'] ? 4 * 86_400_000 : 0; // weeks start on Monday
  for (const c of candles) {
    const t = c.time - ((((c.time - weekOffset) % intervalMs) + intervalMs) % intervalMs);
    const last = out[out.length - 1];
    if (last && last.time === t) {
      last.high = Math.max(last.high, c.high);
      last.low = Math.min(last.low, c.low);
      last.close = c.close;
      last.volume += c.volume;
      last.quoteVolume = (last.quoteVolume ?? 0) + (c.quoteVolume ?? 0);
      last.trades = (last.trades ?? 0) + (c.trades ?? 0);
      last.takerBuyBase = (last.takerBuyBase ?? 0) + (c.takerBuyBase ?? 0);
      last.takerBuyQuote = (last.takerBuyQuote ?? 0) + (c.takerBuyQuote ?? 0);
    } else {
      out.push({ ...c, time: t, closeTime: t + intervalMs - 1 });
    }
  }
  return out;
}

export async function startFakeBinance(opts: { candles?: Record<string, Candle[]>; now?: number; routes?: FakeRoute[] } = {}): Promise<FakeBinance> {
  const series = new Map<string, Series>();
  const aggregated = new Map<string, Candle[]>();
  const routes: FakeRoute[] = [...(opts.routes ?? [])];
  const faults: Array<FakeFault & { left: number }> = [];
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let active = 0;
  const idle: (() => void)[] = [];
  let fixedNow: number | undefined = opts.now;
  const now = () => fixedNow ?? Date.now();

  const setCandles = (symbol: string, candles: Candle[]) => {
    const sorted = [...candles].sort((a, b) => a.time - b.time);
    const intervalMs = sorted.length > 1 ? sorted[1]!.time - sorted[0]!.time : 60_000;
    series.set(symbol, { intervalMs, candles: sorted });
    for (const k of [...aggregated.keys()]) if (k.startsWith(`${symbol} `)) aggregated.delete(k);
  };
  for (const [symbol, candles] of Object.entries(opts.candles ?? {})) setCandles(symbol, candles);

  const candlesAt = (symbol: string, intervalMs: number): Candle[] | undefined => {
    const s = series.get(symbol);
    if (!s) return undefined;
    if (intervalMs === s.intervalMs) return s.candles;
    if (intervalMs < s.intervalMs || intervalMs % s.intervalMs !== 0) return [];
    const key = `${symbol} ${intervalMs}`;
    let got = aggregated.get(key);
    if (!got) aggregated.set(key, (got = aggregate(s.candles, intervalMs)));
    return got;
  };

  const klines = (req: FakeRequest): FakeReply => {
    const symbol = req.query.get('symbol') ?? '';
    if (!symbol) return binanceError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    const interval = req.query.get('interval') ?? '';
    const intervalMs = INTERVAL_MS[interval];
    if (!intervalMs) return binanceError(400, -1120, 'Invalid interval.');
    const limitText = req.query.get('limit');
    const limit = limitText === null ? 500 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return binanceError(400, -1130, "Data sent for parameter 'limit' is not valid.");
    const all = candlesAt(symbol, intervalMs);
    if (!all) return binanceError(400, -1121, 'Invalid symbol.');
    const clock = now();
    const startText = req.query.get('startTime');
    const endText = req.query.get('endTime');
    const end = Math.min(endText === null ? Infinity : Number(endText), clock);
    let rows: Candle[];
    if (startText !== null) {
      const start = Number(startText);
      let i = lowerBound(all, start);
      rows = [];
      while (i < all.length && rows.length < limit && all[i]!.time <= end) rows.push(all[i++]!);
    } else {
      // no start: the latest `limit` candles up to the end
      const stop = upperBound(all, end);
      rows = all.slice(Math.max(0, stop - limit), stop);
    }
    return {
      body: rows.map((c) => [
        c.time, dec(c.open), dec(c.high), dec(c.low), dec(c.close), dec(c.volume),
        c.closeTime ?? c.time + intervalMs - 1, dec(c.quoteVolume), c.trades ?? 0, dec(c.takerBuyBase), dec(c.takerBuyQuote), '0',
      ]),
    };
  };

  const builtIn: FakeRoute[] = [
    { method: 'GET', path: '/api/v3/ping', handle: () => ({ body: {} }) },
    { method: 'GET', path: '/api/v3/time', handle: () => ({ body: { serverTime: now() } }) },
    {
      method: 'GET',
      path: '/api/v3/exchangeInfo',
      handle: (req) => {
        let names = [...new Set([...Object.keys(KNOWN_SYMBOLS), ...series.keys()])];
        const one = req.query.get('symbol');
        const many = req.query.get('symbols');
        if (one) names = [one];
        else if (many) names = JSON.parse(many) as string[];
        return {
          body: {
            timezone: 'UTC',
            serverTime: now(),
            rateLimits: [
              { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
              { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
            ],
            exchangeFilters: [],
            symbols: names.map(exchangeSymbol),
          },
        };
      },
    },
    { method: 'GET', path: '/api/v3/klines', handle: klines },
  ];

  /** The first answer of the routes for this method and path: added ones (newest first), then built-ins. */
  const answer = async (req: FakeRequest): Promise<FakeReply | undefined> => {
    for (const r of [...routes, ...builtIn]) {
      if (r.method !== req.method || r.path !== req.path) continue;
      const reply = await r.handle(req);
      if (reply) return reply;
    }
    return undefined;
  };

  const takeFault = (method: string, path: string): FakeFault | undefined => {
    const i = faults.findIndex(
      (f) => (f.method === undefined || f.method === method) && (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.left <= 0) faults.splice(i, 1);
    return f;
  };

  const send = (res: http.ServerResponse, reply: FakeReply) => {
    if (res.destroyed) return;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json;charset=UTF-8', ...reply.headers });
    res.end(text);
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const request: FakeRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
          headers: req.headers,
          receivedAt: Date.now(),
        };
        requests.push(request);
        const fault = takeFault(request.method, request.path);
        active++;
        try {
          if (fault && !fault.afterHandling) {
            if (fault.delayMs) await sleep(fault.delayMs);
            if (fault.status !== undefined || fault.body !== undefined) {
              send(res, { status: fault.status, headers: fault.headers, body: fault.body });
              return;
            }
          }
          const reply = (await answer(request)) ?? binanceError(404, -1000, `no route ${request.method} ${request.path}`);
          if (fault?.afterHandling) {
            if (fault.delayMs) await sleep(fault.delayMs);
            send(res, { status: fault.status ?? 500, headers: fault.headers, body: fault.body ?? { code: -1000, msg: 'An unknown error occurred while processing the request.' } });
            return;
          }
          send(res, reply);
        } catch (e) {
          send(res, { status: 500, body: { code: -1000, msg: `fake failed: ${(e as Error).message}` } });
        } finally {
          if (--active === 0) for (const resolve of idle.splice(0)) resolve();
        }
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setCandles,
    setNow(ms) {
      fixedNow = ms;
    },
    injectFault(f) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    addRoute(r) {
      routes.unshift(r);
    },
    settled() {
      return active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function lowerBound(a: Candle[], t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Candle[], t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]!.time <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
