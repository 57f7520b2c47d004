import { Frame } from '../../core/frame.ts';
import type { Candle } from '../../core/exchange/types.ts';

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The newest bars with their scores, in fixed memory (a ring buffer): what the diagram and
 * /chart draw, without keeping the whole history in the process.
 */
export class RecentBars {
  private readonly time: Float64Array;
  private readonly cols = new Map<string, Float64Array>();
  private start = 0;
  private size = 0;

  constructor(
    readonly capacity: number,
    readonly valueColumns: string[],
  ) {
    this.time = new Float64Array(capacity);
    for (const c of [...PRICE_COLUMNS, ...valueColumns]) this.cols.set(c, new Float64Array(capacity).fill(NaN));
  }

  get length(): number {
    return this.size;
  }

  /** Open time of the newest bar, or NaN when empty. */
  get lastTime(): number {
    return this.size ? this.time[(this.start + this.size - 1) % this.capacity]! : NaN;
  }

  push(candle: Candle, values: Record<string, number> = {}): void {
    if (this.size && candle.time <= this.lastTime) return;
    let slot: number;
    if (this.size < this.capacity) {
      slot = (this.start + this.size) % this.capacity;
      this.size++;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    this.time[slot] = candle.time;
    for (const c of PRICE_COLUMNS) this.cols.get(c)![slot] = candle[c];
    for (const c of this.valueColumns) this.cols.get(c)![slot] = values[c] ?? NaN;
  }

  /** The buffer oldest-first as a frame (copies). */
  toFrame(): Frame {
    const order = (src: Float64Array) => {
      const out = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) out[i] = src[(this.start + i) % this.capacity]!;
      return out;
    };
    const f = new Frame(order(this.time));
    for (const [name, col] of this.cols) f.set(name, order(col));
    return f;
  }
}
