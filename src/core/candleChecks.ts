import { UserError } from './errors.ts';
import { Frame } from './frame.ts';
import { DAY, HOUR, MINUTE, formatTime, type Freq } from './time.ts';

const PRICES = ['open', 'high', 'low', 'close'] as const;

/** Where candles were read from, for the messages. */
export interface CandleSource {
  /** How messages name the file, e.g. `data_sources[0] (BTCUSDT/klines.csv)`. */
  label: string;
  /** The file's line number of a row (rows in file order). */
  lineOf: (row: number) => number;
  /** What lineOf counts: lines of a CSV (default) or rows of a parquet file. */
  unit?: 'line' | 'row';
  /** The bar length the candles must have: closer rows, or a spacing that is not whole bars, are wrong data (gaps are fine). */
  freq?: Freq;
}

/** "1min", "90min", "2h", "1d", "30s": a span as freq aliases write it. */
export function describeSpan(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Candles as read from a file (rows in file order), checked before anything uses them: a file
 * with open/high/low must have a close column; prices must be above zero; two different rows
 * for one time are a conflict (identical repeats are dropped quietly); with `freq`, each candle
 * must follow the previous one by a whole number of bars (a larger step is a gap, which is
 * legitimate). Each problem is one sentence naming the file and the line. Returns the rows
 * sorted by time, one per time (the frame itself when it already is).
 */
export function checkCandles(frame: Frame, source: CandleSource): Frame {
  const { label, lineOf } = source;
  const unit = source.unit ?? 'line';
  if (!frame.has('close') && PRICES.some((c) => frame.has(c))) {
    throw new UserError(`${label} has no close column (columns: ${frame.columnNames().join(', ')})`);
  }
  const t = frame.time;
  for (const name of PRICES) {
    if (!frame.has(name)) continue;
    const col = frame.get(name);
    for (let i = 0; i < col.length; i++) {
      if (col[i]! <= 0) throw new UserError(`${label} ${unit} ${lineOf(i)}: ${name} is ${col[i]} in the candle of ${formatTime(t[i]!)}; prices must be above zero`);
    }
  }

  const step = source.freq && !source.freq.months ? source.freq.ms : 0;
  const spacing = (row: number, prev: number) => {
    const d = t[row]! - t[prev]!;
    if (d >= step && d % step === 0) return;
    const where = `${label} ${unit} ${lineOf(row)}: the candle of ${formatTime(t[row]!)} comes ${describeSpan(d)} after the one on ${unit} ${lineOf(prev)}`;
    const alias = source.freq!.alias;
    throw new UserError(d < step ? `${where}, closer than freq ${alias} allows (are these ${describeSpan(d)} candles? then set freq to match the file)` : `${where}, which is not a whole number of ${alias} bars`);
  };
  let sorted = true;
  for (let i = 1; i < t.length && sorted; i++) sorted = t[i]! > t[i - 1]!;
  if (sorted) {
    if (step) for (let i = 1; i < t.length; i++) spacing(i, i - 1);
    return frame;
  }

  // Rows by time (file order within a time); a repeated time is the same candle again or a conflict.
  const order = Array.from({ length: t.length }, (_, k) => k).sort((a, b) => t[a]! - t[b]! || a - b);
  const cols = frame.columnNames().map((name) => ({ name, values: frame.get(name) }));
  const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
  const keep: number[] = [];
  for (const row of order) {
    const prev = keep.length ? keep[keep.length - 1]! : -1;
    if (prev >= 0 && t[row] === t[prev]) {
      const differs = cols.find((c) => !same(c.values[row]!, c.values[prev]!));
      if (!differs) continue;
      const [a, b] = [lineOf(prev), lineOf(row)].sort((x, y) => x - y);
      throw new UserError(
        `${label} ${unit}s ${a} and ${b}: two different candles for ${formatTime(t[row]!)} (${differs.name} ${differs.values[prev]} and ${differs.values[row]}); keep the right one and delete the other`,
      );
    }
    if (prev >= 0 && step) spacing(row, prev);
    keep.push(row);
  }
  const out = new Frame(Float64Array.from(keep, (r) => t[r]!));
  for (const c of cols) out.set(c.name, Float64Array.from(keep, (r) => c.values[r]!), frame.kind(c.name));
  return out;
}
