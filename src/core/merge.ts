/**
 * Combining time-indexed frames: the union of two frames' rows (downloads and imports onto an
 * existing klines file), and the original's merge of several data sources onto one regular
 * time raster (§1.3), with its gap report.
 */
import { Frame, lowerBound, type ColumnKind } from './frame.ts';
import { UserError } from '../shared/errors.ts';
import { floorTime, formatTime, nextTime, type Freq } from './time.ts';
import { interpolateLinear } from './interpolate.ts';

/**
 * All rows of both frames, sorted by time, one row per time: where both have a time, the row
 * of `newer` wins (so does the later of duplicates within one frame). Columns are the union,
 * NaN where a frame lacks one.
 */
export function unionByTime(older: Frame, newer: Frame): Frame {
  const timeOf = (k: number) => (k < older.length ? older.time[k]! : newer.time[k - older.length]!);
  // keep: rows of older (0…) and newer (older.length…) in output order
  const keep = ascending(older.time) && ascending(newer.time) ? mergeAscending(older.time, newer.time) : sortUnique(older.length + newer.length, timeOf);
  const out = new Frame(Float64Array.from(keep, timeOf));
  const names = [...older.columnNames(), ...newer.columnNames().filter((c) => !older.has(c))];
  for (const name of names) {
    const a = older.has(name) ? older.get(name) : null;
    const b = newer.has(name) ? newer.get(name) : null;
    const col = new Float64Array(keep.length);
    for (let i = 0; i < keep.length; i++) {
      const k = keep[i]!;
      col[i] = k < older.length ? (a ? a[k]! : NaN) : b ? b[k - older.length]! : NaN;
    }
    out.set(name, col, a ? older.kind(name) : newer.kind(name));
  }
  return out;
}

/** The frame itself when its times strictly ascend; otherwise sorted with duplicates removed (last wins). */
export function sortedByTime(frame: Frame): Frame {
  for (let i = 1; i < frame.length; i++) {
    if (!(frame.time[i]! > frame.time[i - 1]!)) return unionByTime(new Frame(new Float64Array(0)), frame);
  }
  return frame;
}

function ascending(t: Float64Array): boolean {
  for (let i = 1; i < t.length; i++) if (!(t[i]! > t[i - 1]!)) return false;
  return true;
}

/** Two strictly ascending time columns merged in one pass; on a tie the newer row is kept. */
function mergeAscending(a: Float64Array, b: Float64Array): Uint32Array {
  const keep = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) keep[n++] = i++;
    else {
      if (i < a.length && a[i] === b[j]) i++;
      keep[n++] = a.length + j++;
    }
  }
  return keep.subarray(0, n);
}

/** Any rows: sorted by (time, position) so later rows come last per time, then one per time. */
function sortUnique(n: number, timeOf: (k: number) => number): number[] {
  const sorted = Array.from({ length: n }, (_, k) => k).sort((x, y) => timeOf(x) - timeOf(y) || x - y);
  const keep: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i]!;
    if (i + 1 < sorted.length && timeOf(sorted[i + 1]!) === timeOf(k)) continue; // a later row has this time
    keep.push(k);
  }
  return keep;
}

export interface MergeSource {
  /** How messages name it, e.g. `data_sources[1] (EURUSD/klines)`. */
  label: string;
  frame: Frame;
  /** Columns get `prefix_` in front unless they already start with it; '' leaves them alone. */
  prefix: string;
}

export interface Gap {
  /** Open time of the first missing bar. */
  start: number;
  /** Open time of the last missing bar. */
  end: number;
  bars: number;
}

export interface SourceGaps {
  label: string;
  /** Raster bars where this source has no row. */
  missingBars: number;
  /** The largest gaps, largest first (at most `topGaps`). */
  largest: Gap[];
}

export interface MergeResult {
  frame: Frame;
  /** First and last raster times. */
  start: number;
  end: number;
  /** Sources whose data went on after the raster's end (the merge cuts at the earliest end). */
  cut: Array<{ label: string; end: number }>;
  gaps: SourceGaps[];
  /** Sources with candles between the raster's first and last bar that fall between its bars (left out): how many, the first. */
  offRaster: Array<{ label: string; rows: number; first: number }>;
}

/** First and last time of a row with at least one non-missing value (NaN, NaN when none). */
function validRange(f: Frame): [number, number] {
  const cols = f.columnNames().map((n) => f.get(n));
  const valid = (i: number) => cols.length === 0 || cols.some((c) => !Number.isNaN(c[i]!));
  let first = 0;
  while (first < f.length && !valid(first)) first++;
  let last = f.length - 1;
  while (last >= first && !valid(last)) last--;
  return first <= last ? [f.time[first]!, f.time[last]!] : [NaN, NaN];
}

/** Raster times from start to end inclusive (fixed step, or calendar months rolled to month starts). */
export function timeRaster(start: number, end: number, freq: Freq): Float64Array {
  const times: number[] = [];
  if (freq.months) {
    // like pandas' date_range with "MS": roll forward to a month start
    let t = floorTime(start, freq) === start ? start : nextTime(start, freq);
    for (; t <= end; t = nextTime(t, freq)) times.push(t);
    return Float64Array.from(times);
  }
  const n = end >= start ? Math.floor((end - start) / freq.ms) + 1 : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i * freq.ms;
  return out;
}

/** Of the source times within the raster's span, those that are no bar of it: how many, and the first (NaN when none). */
function offRasterTimes(src: Float64Array, time: Float64Array): { rows: number; first: number } {
  let rows = 0;
  let first = NaN;
  if (!time.length) return { rows, first };
  const end = time[time.length - 1]!;
  let i = 0;
  for (let k = 0; k < src.length; k++) {
    const t = src[k]!;
    if (t < time[0]!) continue;
    if (t > end) break;
    while (i < time.length && time[i]! < t) i++;
    if (time[i] !== t) {
      if (!rows) first = t;
      rows++;
    }
  }
  return { rows, first };
}

function gapsOf(present: Uint8Array, time: Float64Array, topGaps: number): { missing: number; largest: Gap[] } {
  const gaps: Gap[] = [];
  let missing = 0;
  for (let i = 0; i < present.length; ) {
    if (present[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < present.length && !present[j]) j++;
    gaps.push({ start: time[i]!, end: time[j - 1]!, bars: j - i });
    missing += j - i;
    i = j;
  }
  gaps.sort((a, b) => b.bars - a.bars || a.start - b.start);
  return { missing, largest: gaps.slice(0, topGaps) };
}

/**
 * The original's merge: prefixes the columns, builds a raster at `freq` from the earliest
 * source start to the earliest source end (so every source is cut to the shortest), and
 * left-joins each source on it: a raster bar a source has no row for is missing (NaN), or
 * linearly interpolated when `interpolate` is set. Source candles between the raster's bars (a
 * source on another phase of `freq`, e.g. at :30 s where the first source is at :00) are left out
 * and reported (`offRaster`); when none of a source's candles lands on a bar, the merge is
 * refused in one sentence, where the original would write the source's columns empty.
 */
export function mergeDataSources(sources: MergeSource[], freq: Freq, options: { interpolate?: boolean; topGaps?: number } = {}): MergeResult {
  if (!sources.length) throw new UserError('data_sources is empty: there is nothing to merge');
  const owner = new Map<string, string>();
  const prepared = sources.map((s) => {
    const names = s.frame.columnNames();
    const renamed = names.map((n) => (s.prefix && !n.startsWith(`${s.prefix}_`) ? `${s.prefix}_${n}` : n));
    for (const n of renamed) {
      const other = owner.get(n);
      if (other) throw new UserError(`column "${n}" comes from both ${other} and ${s.label}; give them different column_prefix values`);
      owner.set(n, s.label);
    }
    const [first, last] = validRange(s.frame);
    if (Number.isNaN(first)) throw new UserError(`${s.label} has no rows with values`);
    return { ...s, names, renamed, first, last };
  });
  const start = Math.min(...prepared.map((p) => p.first));
  const end = Math.min(...prepared.map((p) => p.last));
  const time = timeRaster(start, end, freq);
  const out = new Frame(time);
  const gaps: SourceGaps[] = [];
  const offRaster: MergeResult['offRaster'] = [];
  const anchor = prepared.find((p) => p.first === start)!;
  for (const p of prepared) {
    const src = p.frame;
    // row of the source for each raster bar (-1: none); source times ascending, the last duplicate wins
    const rowAt = new Int32Array(time.length).fill(-1);
    let j = 0;
    for (let i = 0; i < time.length; i++) {
      const t = time[i]!;
      while (j < src.length && src.time[j]! < t) j++;
      while (j + 1 < src.length && src.time[j + 1]! === t) j++;
      if (j < src.length && src.time[j] === t) rowAt[i] = j;
    }
    const present = new Uint8Array(time.length);
    // whether the raster's bars are one run of the source's rows (no gap, nothing off the raster)
    const first = rowAt[0] ?? -1;
    let oneRun = first >= 0;
    let landed = 0;
    for (let i = 0; i < time.length; i++) {
      present[i] = rowAt[i]! >= 0 ? 1 : 0;
      landed += present[i]!;
      if (rowAt[i] !== first + i) oneRun = false;
    }
    // rows within the raster's span that no bar took (looked for only when there are more rows than bars taken)
    const within = time.length ? lowerBound(src.time, time[time.length - 1]! + 1) - lowerBound(src.time, time[0]!) : 0;
    const off = within > landed ? offRasterTimes(src.time, time) : { rows: 0, first: NaN };
    if (off.rows) {
      if (off.rows === within) {
        throw new UserError(
          `${p.label}: none of its candles lands on the merge's ${freq.alias} bars, which start at ${formatTime(time[0]!)} with ${anchor.label} (its first candle after that is at ${formatTime(off.first)}): the data sources' candles must be on one time grid`,
        );
      }
      offRaster.push({ label: p.label, rows: off.rows, first: off.first });
    }
    const g = gapsOf(present, time, options.topGaps ?? 5);
    gaps.push({ label: p.label, missingBars: g.missing, largest: g.largest });
    p.names.forEach((name, c) => {
      const from = src.get(name);
      let col: Float64Array;
      // one run: the source's own rows (a view: the sources are read for the merge alone; a copy when interpolation will write into it)
      if (oneRun) col = options.interpolate ? from.slice(first, first + time.length) : from.subarray(first, first + time.length);
      else {
        col = new Float64Array(time.length);
        for (let i = 0; i < time.length; i++) col[i] = rowAt[i]! >= 0 ? from[rowAt[i]!]! : NaN;
      }
      let kind: ColumnKind = src.kind(name);
      if (options.interpolate) {
        interpolateLinear(col);
        if (kind === 'bool') kind = 'float';
      }
      out.set(p.renamed[c]!, col, kind);
    });
  }
  const cut = prepared.filter((p) => p.last > end).map((p) => ({ label: p.label, end: p.last }));
  return { frame: out, start, end, cut, gaps, offRaster };
}
