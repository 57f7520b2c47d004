/**
 * The last `size` values of a series in a ring (oldest first when read), for kernels that
 * need the window itself (evictions, direct O(window) statistics).
 */
export class RingWindow {
  readonly size: number;
  private readonly buf: Float64Array;
  private start = 0;
  private count = 0;

  constructor(size: number) {
    this.size = size;
    this.buf = new Float64Array(size);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.size;
  }

  /** Appends x; returns the value that fell out (NaN while the window was not full). */
  push(x: number): number {
    if (this.count < this.size) {
      // While filling, the window starts at 0.
      this.buf[this.count++] = x;
      return NaN;
    }
    const old = this.buf[this.start]!;
    this.buf[this.start] = x;
    if (++this.start === this.size) this.start = 0;
    return old;
  }

  /** The k-th value, 0 = oldest. */
  at(k: number): number {
    let i = this.start + k;
    if (i >= this.size) i -= this.size;
    return this.buf[i]!;
  }

  newest(): number {
    return this.at(this.count - 1);
  }

  oldest(): number {
    return this.buf[this.start]!;
  }

  /** Copies the window, oldest first, into `out` (which must hold `length` values). */
  copyTo(out: Float64Array): Float64Array {
    const first = Math.min(this.count, this.size - this.start);
    out.set(this.buf.subarray(this.start, this.start + first), 0);
    if (first < this.count) out.set(this.buf.subarray(0, this.count - first), first);
    return out;
  }
}
