import type { Freq } from '../time.ts';

/** One candle (kline). `time` is the open time in epoch ms (UTC). */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Binance extras; NaN when the source does not have them. */
  closeTime?: number;
  quoteVolume?: number;
  trades?: number;
  takerBuyBase?: number;
  takerBuyQuote?: number;
}

/**
 * Where candles come from: the exchange through ccxt, or a replayed file on a simulated clock.
 * Every network call of the project sits behind this interface or the broker's.
 */
export interface CandleSource {
  readonly id: string;
  /**
   * Candles of `symbol` (ITB spelling, e.g. BTCUSDT) at `freq`, oldest first, with open time
   * ≥ `since`, at most `limit` of them. The last one may be the still-open candle; callers
   * drop candles that have not closed by `now()`.
   */
  fetchCandles(symbol: string, freq: Freq, since: number, limit: number): Promise<Candle[]>;
  /** The clock of this source (wall clock live; simulated in replay). */
  now(): number;
  close?(): Promise<void>;
}
