/**
 * The exchange through ccxt: creating the client from the config (keys, timeout, a base URL
 * that replaces the exchange's hosts), the one retrier every exchange call goes through, and
 * the candle source used by `itb download` and the live service.
 */
import ccxt, { type Exchange } from 'ccxt';
import type { Config } from '../config/schema.ts';
import { UserError } from '../shared/errors.ts';
import { formatTime, type Freq } from '../core/time.ts';
import type { Candle, CandleSource } from '../core/exchange/types.ts';
import { klinesWeight, sharedBudget, type RequestBudget } from './requestBudget.ts';

/** Quote assets recognised when splitting an ITB symbol (longest first wins). */
const QUOTE_ASSETS = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'USDP', 'DAI', 'EUR', 'GBP', 'TRY', 'BRL', 'JPY', 'AUD', 'RUB', 'UAH', 'BTC', 'ETH', 'BNB', 'USD'];

/** `BTCUSDT` → `BTC/USDT` (a symbol that already has a slash is returned as is). */
export function toCcxtSymbol(symbol: string): string {
  if (symbol.includes('/')) return symbol;
  const s = symbol.toUpperCase();
  const quote = [...QUOTE_ASSETS].sort((a, b) => b.length - a.length).find((q) => s.endsWith(q) && s.length > q.length);
  if (!quote) throw new UserError(`symbol "${symbol}" does not end in a known quote asset (${QUOTE_ASSETS.join(', ')}); write it as BASE/QUOTE`);
  return `${s.slice(0, s.length - quote.length)}/${quote}`;
}

/** `BTC/USDT` (or `BTC/USDT:USDT`) → `BTCUSDT`. */
export function fromCcxtSymbol(symbol: string): string {
  return symbol.split(':')[0]!.replace('/', '');
}

/** The exchange answered with a body that is not what the endpoint promises; retrying will not help. */
export class MalformedResponseError extends UserError {}

/** Facts about a failed HTTP exchange call that ccxt's error classes do not carry. */
interface HttpFailure {
  httpStatus?: number;
  retryAfterMs?: number;
}

function retryAfterMs(headers: Record<string, string | undefined> | undefined): number | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
  const value = key ? headers[key] : undefined;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Replaces scheme and host of every URL in ccxt's `urls.api` (a string or nested map). */
function rebaseUrls(api: unknown, root: string): unknown {
  if (typeof api === 'string') return api.replace(/^[a-z]+:\/\/[^/]+/i, root);
  if (api && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api as Record<string, unknown>).map(([k, v]) => [k, rebaseUrls(v, root)]));
  }
  return api;
}

/**
 * A ccxt client for `config.exchange`: keys, timeout, `api_root` in place of the exchange's
 * hosts, and markets loaded for one market type only (no currency or margin calls). Failed
 * calls carry the HTTP status and Retry-After for `withRetry`.
 */
export function createExchange(config: Config): Exchange {
  const ex = config.exchange;
  let id = ex.id || 'binance';
  // The original passed python-binance's client_args; {"tld": "us"} meant Binance.US.
  if (id === 'binance' && config.client_args?.tld === 'us') id = 'binanceus';
  const ExchangeClass = (ccxt as unknown as Record<string, new (o: object) => Exchange>)[id];
  if (typeof ExchangeClass !== 'function' || !(ccxt.exchanges as string[]).includes(id)) {
    throw new UserError(`exchange.id "${id}" is not an exchange ccxt knows (e.g. binance, binanceus, kraken, bybit)`);
  }
  const marketType = ex.market_type === 'future' ? 'linear' : 'spot';
  const client = new ExchangeClass({
    apiKey: ex.api_key || undefined,
    secret: ex.api_secret || undefined,
    timeout: ex.timeout_ms,
    enableRateLimit: true,
    options: {
      defaultType: ex.market_type === 'future' ? 'future' : 'spot',
      fetchCurrencies: false,
      fetchMargins: false,
      fetchMarkets: { types: [marketType] },
      adjustForTimeDifference: false,
    },
  });
  if (ex.api_root) client.urls.api = rebaseUrls(client.urls.api, ex.api_root.replace(/\/+$/, '')) as typeof client.urls.api;

  // ccxt's errors lose the status and the headers: keep them on the error for the retrier.
  const handleErrors = client.handleErrors.bind(client);
  client.handleErrors = ((code: number, reason: string, url: string, method: string, headers: Record<string, string>, body: string, ...rest: unknown[]) => {
    const annotate = (e: unknown) => {
      if (e && typeof e === 'object') Object.assign(e, { httpStatus: code, retryAfterMs: retryAfterMs(headers) } satisfies HttpFailure);
      return e;
    };
    try {
      const handled = (handleErrors as (...a: unknown[]) => unknown)(code, reason, url, method, headers, body, ...rest);
      if (handled === undefined && code >= 400) client.handleHttpStatusCode(code, reason, url, method, body);
      return handled;
    } catch (e) {
      throw annotate(e);
    }
  }) as typeof client.handleErrors;
  return client;
}

export interface RetryOptions {
  /** Further attempts after the first (default 5). */
  retries?: number;
  /** First wait (ms); doubles on each further attempt, capped at a minute (default 1000). */
  baseMs?: number;
  signal?: AbortSignal;
  log?: { warn(msg: string): void };
  /** What is being done, for log lines (e.g. "klines BTCUSDT"). */
  what?: string;
}

/** Whether a failure may pass on its own: network trouble, timeouts, rate limits, 5xx. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof UserError) return false;
  const status = (e as HttpFailure | undefined)?.httpStatus;
  if (status !== undefined) return status === 408 || status === 418 || status === 429 || status >= 500;
  if (e instanceof ccxt.NetworkError) return true;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_)/.test(code);
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('the operation was aborted', 'AbortError');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs an exchange call, retrying what may pass on its own (see isRetryable) with exponential
 * backoff, or exactly as long as the exchange's Retry-After asks. Other errors pass through at once.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const baseMs = options.baseMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !isRetryable(e)) throw e;
      const asked = (e as HttpFailure).retryAfterMs;
      const waitMs = asked ?? Math.min(60_000, baseMs * 2 ** attempt);
      const status = (e as HttpFailure).httpStatus;
      options.log?.warn(
        `${options.what ?? 'exchange call'} failed (${status ? `HTTP ${status}` : (e as Error).name}); retry ${attempt + 1}/${retries} in ${(waitMs / 1000).toFixed(1)} s${asked !== undefined ? ' as Retry-After asks' : ''}`,
      );
      await sleep(waitMs, options.signal);
    }
  }
}

/** A number from a kline field (Binance sends decimals as strings). */
function field(row: unknown[], i: number): number {
  const v = row[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

/** Checks and converts Binance's kline arrays; anything else is a MalformedResponseError. */
export function parseBinanceKlines(body: unknown, what: string): Candle[] {
  const bad = (why: string) => new MalformedResponseError(`the exchange sent a malformed answer for ${what}: ${why}`);
  if (!Array.isArray(body)) {
    const shown = typeof body === 'string' ? `"${body.slice(0, 60)}${body.length > 60 ? '…' : ''}"` : typeof body;
    throw bad(`expected a list of klines, got ${shown}`);
  }
  const out: Candle[] = [];
  for (let i = 0; i < body.length; i++) {
    const row = body[i] as unknown;
    if (!Array.isArray(row) || row.length < 11) throw bad(`kline ${i} is not a list of at least 11 fields`);
    const c: Candle = {
      time: field(row, 0),
      open: field(row, 1),
      high: field(row, 2),
      low: field(row, 3),
      close: field(row, 4),
      volume: field(row, 5),
      closeTime: field(row, 6),
      quoteVolume: field(row, 7),
      trades: field(row, 8),
      takerBuyBase: field(row, 9),
      takerBuyQuote: field(row, 10),
    };
    if (!Number.isInteger(c.time) || c.time <= 0) throw bad(`kline ${i} has no valid open time`);
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (!Number.isFinite(c[k])) throw bad(`kline ${i} (${formatTime(c.time)}) has no valid ${k}`);
    }
    if (out.length && c.time <= out[out.length - 1]!.time) throw bad(`kline ${i} is not later than the one before it`);
    out.push(c);
  }
  return out;
}

/**
 * Candles from the exchange through ccxt; every call goes through withRetry and, when a budget is
 * given, each attempt through it (its weight counted, in flight among a limited number).
 */
export class CcxtCandleSource implements CandleSource {
  readonly id: string;
  private clockOffsetMs = 0;

  constructor(
    readonly exchange: Exchange,
    private readonly retry: RetryOptions = {},
    readonly budget?: RequestBudget,
  ) {
    this.id = `ccxt:${exchange.id}`;
    // On Binance the budget counts the real request weights; ccxt's own spacing of requests one
    // after another would only hold the fetches of many symbols back.
    if (budget && this.isBinance()) exchange.enableRateLimit = false;
  }

  /** The source of a config's exchange, sharing the process's one request budget of that exchange. */
  static fromConfig(config: Config, options: Omit<RetryOptions, 'retries' | 'baseMs'> = {}): CcxtCandleSource {
    const ex = config.exchange;
    const budget = sharedBudget(`${ex.id}|${ex.market_type}|${ex.api_root}`, { weightPerMinute: ex.weight_per_minute, concurrency: ex.concurrent_requests });
    return new CcxtCandleSource(createExchange(config), { retries: ex.retries, baseMs: ex.retry_base_ms, ...options }, budget);
  }

  /** One request of `weight` within the budget (as is without one). */
  private request<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    return this.budget ? this.budget.run(weight, fn) : fn();
  }

  private isBinance(): boolean {
    return this.exchange.id.startsWith('binance');
  }

  async fetchCandles(symbol: string, freq: Freq, since: number, limit: number): Promise<Candle[]> {
    const what = `klines ${symbol} ${freq.timeframe} from ${formatTime(since)}`;
    const ex = this.exchange as Exchange & Record<string, unknown>;
    const spot = (this.exchange.options as Record<string, unknown>).defaultType !== 'future';
    const raw = this.isBinance() ? ex[spot ? 'publicGetKlines' : 'fapiPublicGetKlines'] : undefined;
    if (typeof raw === 'function') {
      // Binance's own endpoint keeps the extra kline fields (close time, quote volume, trades,
      // taker volumes) of the original's klines.csv; fetchOHLCV would drop them.
      const request = { symbol: symbol.replace('/', ''), interval: freq.timeframe, startTime: Math.max(0, Math.floor(since)), limit: Math.min(limit, 1000) };
      const body = await withRetry(() => this.request(klinesWeight(request.limit), () => (raw as (r: object) => Promise<unknown>).call(ex, request)), { ...this.retry, what });
      return parseBinanceKlines(body, what);
    }
    const rows = await withRetry(
      () =>
        this.request(1, async () => {
          if (!this.exchange.markets) await this.exchange.loadMarkets();
          const market = this.exchange.markets_by_id?.[symbol]?.[0]?.symbol ?? toCcxtSymbol(symbol);
          return this.exchange.fetchOHLCV(market, freq.timeframe, Math.floor(since), limit);
        }),
      { ...this.retry, what },
    );
    return rows.map((r) => ({ time: Number(r[0]), open: Number(r[1]), high: Number(r[2]), low: Number(r[3]), close: Number(r[4]), volume: Number(r[5]) }));
  }

  /** The exchange's clock (one call); `now()` follows it afterwards. Falls back to the local clock. */
  async serverTime(): Promise<number> {
    if (!this.exchange.has.fetchTime) return Date.now();
    const t = await withRetry(() => this.request(1, () => this.exchange.fetchTime()), { ...this.retry, what: 'server time' });
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new MalformedResponseError('the exchange sent a malformed answer for server time');
    this.clockOffsetMs = t - Date.now();
    return t;
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  async close(): Promise<void> {
    await this.exchange.close?.();
  }
}
