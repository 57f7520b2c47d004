/** Deterministic test candles with Binance-like decimals. */
import type { Candle } from '../../src/core/exchange/types.ts';

export const T0 = Date.UTC(2024, 0, 1);
export const MIN = 60_000;

/** `n` consecutive candles of `stepMs` from `start`, prices a seeded random walk around 42,000. */
export function makeCandles(n: number, start = T0, stepMs = MIN, seed = 7): Candle[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  let price = 42_000;
  const out: Candle[] = [];
  for (let i = 0; i < n; i++) {
    const open = Math.round(price * 100) / 100;
    price = Math.max(1, price + (rnd() - 0.5) * 40);
    const close = Math.round(price * 100) / 100;
    const high = Math.round((Math.max(open, close) + rnd() * 10) * 100) / 100;
    const low = Math.round((Math.min(open, close) - rnd() * 10) * 100) / 100;
    const volume = Math.round(rnd() * 1e8) / 1e5;
    const time = start + i * stepMs;
    out.push({
      time,
      open,
      high,
      low,
      close,
      volume,
      closeTime: time + stepMs - 1,
      quoteVolume: Math.round(volume * close * 1e4) / 1e4,
      trades: Math.floor(rnd() * 2000),
      takerBuyBase: Math.round(volume * 0.4 * 1e5) / 1e5,
      takerBuyQuote: Math.round(volume * 0.4 * close * 1e4) / 1e4,
    });
  }
  return out;
}
