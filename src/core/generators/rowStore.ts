import { Frame, type ColumnKind } from '../frame.ts';

/**
 * The most recent rows of a stream, column-wise, with room to grow: appending is O(columns)
 * and the oldest rows are dropped in blocks so that at least `keep` rows stay available.
 */
export class RowStore {
  private time: Float64Array;
  private readonly cols = new Map<string, Float64Array>();
  private readonly kinds = new Map<string, ColumnKind>();
  private n = 0;
  private cap: number;

  constructor(private readonly keep: number) {
    this.cap = Math.max(16, keep * 2);
    this.time = new Float64Array(this.cap);
  }

  get length(): number {
    return this.n;
  }

  private column(name: string, kind?: ColumnKind): Float64Array {
    let c = this.cols.get(name);
    if (!c) {
      c = new Float64Array(this.cap).fill(NaN);
      this.cols.set(name, c);
    }
    if (kind) this.kinds.set(name, kind);
    return c;
  }

  /** Starts a new row (every column NaN) and returns its index. */
  append(time: number): number {
    if (this.n === this.cap) {
      const drop = this.n - this.keep;
      this.time.copyWithin(0, drop, this.n);
      for (const c of this.cols.values()) {
        c.copyWithin(0, drop, this.n);
        c.fill(NaN, this.n - drop);
      }
      this.n -= drop;
    }
    this.time[this.n] = time;
    return this.n++;
  }

  set(row: number, name: string, value: number, kind?: ColumnKind): void {
    this.column(name, kind)[row] = value;
  }

  get(row: number, name: string): number {
    const c = this.cols.get(name);
    return c ? c[row]! : NaN;
  }

  /** Loads the last `keep` rows of a frame (replacing everything). */
  load(frame: Frame): void {
    const start = Math.max(0, frame.length - this.keep);
    this.n = 0;
    for (const c of this.cols.values()) c.fill(NaN);
    const m = frame.length - start;
    this.time.set(frame.time.subarray(start));
    for (const name of frame.columnNames()) this.column(name, frame.kind(name)).set(frame.get(name).subarray(start));
    this.n = m;
  }

  /** The last `rows` rows as a frame (copies). */
  tail(rows: number = this.n): Frame {
    const s = Math.max(0, this.n - rows);
    const f = new Frame(this.time.slice(s, this.n));
    for (const [name, c] of this.cols) f.set(name, c.slice(s, this.n), this.kinds.get(name) ?? 'float');
    return f;
  }
}
