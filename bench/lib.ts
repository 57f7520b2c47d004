import { existsSync, readFileSync } from 'node:fs';
/** One figure printed by `npm run bench`. */
export interface BenchRow {
  area?: string;
  name: string;
  value: number;
  unit: string;
  /** The comparable figure (the Python original's, or a floor loop), same unit. */
  baseline?: number;
  baselineLabel?: string;
  /** The aim stated in the issue, as text, e.g. "< 0.5 s". */
  target?: string;
  note?: string;
}

/** Wall time of fn in ms (best of `repeat`). */
export async function timeIt(fn: () => unknown | Promise<unknown>, repeat = 1): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Peak resident set size of this process so far, in MB (Linux VmHWM). */
export function peakRssMb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8') as string;
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage().rss / 1e6;
}

/**
 * Path of the full real data files, for benchmarks only: ITB_SHARED_DATA, else `shared/data`
 * beside the checkout (../shared/data), or beside the folder of worktrees (../../shared/data).
 */
export const SHARED_DATA =
  process.env.ITB_SHARED_DATA ??
  ['../../shared/data/', '../../../shared/data/'].map((p) => new URL(p, import.meta.url).pathname).find((p) => existsSync(p)) ??
  new URL('../../shared/data/', import.meta.url).pathname;

/** The symbols bench's symbol names: S000USDT, S001USDT, … */
export function benchSymbol(k: number): string {
  return `S${String(k).padStart(3, '0')}USDT`;
}
