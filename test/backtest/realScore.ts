import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../src/storage/csv.ts';
import type { Frame } from '../../src/core/frame.ts';

const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/sample/BTCUSDT/klines.csv.gz');

/**
 * The bundled 90 days of real 1m BTCUSDT candles with two scores made from them (there are
 * no trained models in a test): `trade_score`, a mean-reversion score in [−0.2, 0.2] from the
 * close's z-score over 60 rows, and `trend_score`, the 15-row momentum of the close in %.
 * Both use rows ≤ t only and start with NaN.
 */
export function sampleWithScores(): Frame {
  return withScores(readCsv(SAMPLE));
}

/** Adds `trade_score` and `trend_score` (see sampleWithScores) to a frame of real candles. */
export function withScores(frame: Frame): Frame {
  const close = frame.get('close');
  const n = close.length;
  const trade = new Float64Array(n).fill(NaN);
  const trend = new Float64Array(n).fill(NaN);
  const w = 60;
  for (let i = w - 1; i < n; i++) {
    let s = 0;
    for (let j = i - w + 1; j <= i; j++) s += close[j]!;
    const mean = s / w;
    let v = 0;
    for (let j = i - w + 1; j <= i; j++) v += (close[j]! - mean) ** 2;
    const sd = Math.sqrt(v / w) || 1;
    trade[i] = -0.2 * Math.tanh((close[i]! - mean) / sd / 2);
    if (i >= 15) trend[i] = (100 * (close[i]! - close[i - 15]!)) / close[i - 15]!;
  }
  frame.set('trade_score', trade);
  frame.set('trend_score', trend);
  return frame;
}
