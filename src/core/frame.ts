import { UserError } from '../shared/errors.ts';

/**
 * How a column is written to text. Every column is stored as a Float64Array;
 * booleans are 0/1 and a missing value is NaN in every kind.
 */
export type ColumnKind = 'float' | 'int' | 'bool';

/**
 * The one table that flows through the pipeline: a time column (epoch milliseconds, UTC,
 * the bar's open time) and named numeric columns of the same length. Each stage adds columns.
 */
export class Frame {
  readonly time: Float64Array;
  private readonly cols = new Map<string, Float64Array>();
  private readonly kinds = new Map<string, ColumnKind>();

  constructor(time: Float64Array | number[]) {
    this.time = time instanceof Float64Array ? time : Float64Array.from(time);
  }

  get length(): number {
    return this.time.length;
  }

  /** Column names in insertion order (the time column is not among them). */
  columnNames(): string[] {
    return [...this.cols.keys()];
  }

  has(name: string): boolean {
    return this.cols.has(name);
  }

  /** The column's values; a missing column is a user error that lists the columns there are. */
  get(name: string): Float64Array {
    const c = this.cols.get(name);
    if (!c) {
      const known = this.columnNames();
      const shown = known.length > 30 ? `${known.slice(0, 30).join(', ')}, … (${known.length} in all)` : known.join(', ');
      throw new UserError(`column "${name}" is not in the data (columns: ${shown || 'none'})`);
    }
    return c;
  }

  kind(name: string): ColumnKind {
    return this.kinds.get(name) ?? 'float';
  }

  /** Adds or replaces a column; a replaced column keeps its position. */
  set(name: string, values: Float64Array | number[], kind: ColumnKind = 'float'): this {
    const v = values instanceof Float64Array ? values : Float64Array.from(values);
    if (v.length !== this.length) {
      throw new Error(`column "${name}" has ${v.length} values but the frame has ${this.length} rows`);
    }
    this.cols.set(name, v);
    this.kinds.set(name, kind);
    return this;
  }

  delete(name: string): void {
    this.cols.delete(name);
    this.kinds.delete(name);
  }

  /** Rows [start, end) as a new frame with copied arrays. */
  slice(start: number, end: number = this.length): Frame {
    const s = Math.max(0, Math.min(this.length, start < 0 ? this.length + start : start));
    const e = Math.max(s, Math.min(this.length, end < 0 ? this.length + end : end));
    const out = new Frame(this.time.slice(s, e));
    for (const [n, c] of this.cols) out.set(n, c.slice(s, e), this.kind(n));
    return out;
  }

  /** The last n rows (all rows when n is 0 or larger than the frame). */
  tail(n: number): Frame {
    if (!n || n >= this.length) return this.slice(0);
    return this.slice(this.length - n);
  }

  /** A new frame with only the named columns (in that order), sharing no arrays. */
  select(names: string[]): Frame {
    const out = new Frame(this.time.slice());
    for (const n of names) out.set(n, this.get(n).slice(), this.kind(n));
    return out;
  }

  /** Index of the first row whose time is ≥ t (binary search; time is ascending). */
  lowerBound(t: number): number {
    return lowerBound(this.time, t);
  }

  /** The row as a plain object (time under `timeKey`). */
  row(i: number, timeKey = 'timestamp'): Record<string, number> {
    const r: Record<string, number> = { [timeKey]: this.time[i]! };
    for (const [n, c] of this.cols) r[n] = c[i]!;
    return r;
  }

  /**
   * Appends rows of `other` whose time is later than this frame's last time; the rows of
   * `other` that overlap existing times replace them (the newest data wins). Columns missing
   * on either side are NaN. Returns a new frame.
   */
  appendReplacing(other: Frame): Frame {
    const cut = other.length ? this.lowerBound(other.time[0]!) : this.length;
    const n = cut + other.length;
    const time = new Float64Array(n);
    time.set(this.time.subarray(0, cut));
    time.set(other.time, cut);
    const out = new Frame(time);
    const names = [...this.columnNames(), ...other.columnNames().filter((c) => !this.has(c))];
    for (const name of names) {
      const col = new Float64Array(n).fill(NaN);
      if (this.has(name)) col.set(this.get(name).subarray(0, cut));
      if (other.has(name)) col.set(other.get(name), cut);
      out.set(name, col, this.has(name) ? this.kind(name) : other.kind(name));
    }
    return out;
  }

  /** Copies every column of `other` (same length) into this frame, replacing same-named ones. */
  assign(other: Frame, names: string[] = other.columnNames()): this {
    for (const n of names) this.set(n, other.get(n), other.kind(n));
    return this;
  }
}

/** Builds a frame from row objects (tests and small inputs). */
export function frameFromRows(rows: Array<Record<string, number | boolean | null | undefined>>, timeKey = 'timestamp'): Frame {
  const f = new Frame(rows.map((r) => Number(r[timeKey])));
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (k !== timeKey) names.add(k);
  for (const name of names) {
    let isBool = true;
    const col = rows.map((r) => {
      const v = r[name];
      if (typeof v !== 'boolean' && v !== undefined && v !== null) isBool = false;
      return v === null || v === undefined ? NaN : Number(v);
    });
    f.set(name, col, isBool ? 'bool' : 'float');
  }
  return f;
}

/** Index of the first of the ascending times that is ≥ t (binary search); times.length when none is. */
export function lowerBound(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
