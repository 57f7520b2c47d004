import { Frame } from './frame.ts';
import type { Candle } from './exchange/types.ts';

/** Column layout of the original's klines.csv (after `timestamp`). */
export const KLINE_COLUMNS = [
  'open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_av', 'trades', 'tb_base_av', 'tb_quote_av', 'ignore',
] as const;

/** Candles → a frame in the klines.csv layout. */
export function candlesToFrame(candles: Candle[]): Frame {
  const n = candles.length;
  const f = new Frame(Float64Array.from(candles, (c) => c.time));
  const col = (get: (c: Candle) => number | undefined) => Float64Array.from(candles, (c) => get(c) ?? NaN);
  f.set('open', col((c) => c.open));
  f.set('high', col((c) => c.high));
  f.set('low', col((c) => c.low));
  f.set('close', col((c) => c.close));
  f.set('volume', col((c) => c.volume));
  f.set('close_time', col((c) => c.closeTime), 'int');
  f.set('quote_av', col((c) => c.quoteVolume));
  f.set('trades', col((c) => c.trades), 'int');
  f.set('tb_base_av', col((c) => c.takerBuyBase));
  f.set('tb_quote_av', col((c) => c.takerBuyQuote));
  f.set('ignore', new Float64Array(n), 'int');
  return f;
}

/** A frame row → candle (columns it lacks are NaN). */
export function frameRowToCandle(f: Frame, i: number): Candle {
  const v = (name: string) => (f.has(name) ? f.get(name)[i]! : NaN);
  return {
    time: f.time[i]!,
    open: v('open'),
    high: v('high'),
    low: v('low'),
    close: v('close'),
    volume: v('volume'),
    closeTime: v('close_time'),
    quoteVolume: v('quote_av'),
    trades: v('trades'),
    takerBuyBase: v('tb_base_av'),
    takerBuyQuote: v('tb_quote_av'),
  };
}
