import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Frame } from '../../src/core/frame.ts';
import { runKernel } from '../../src/core/features/kernel.ts';
import { TALIB_FUNCTIONS } from '../../src/core/features/talib/index.ts';
import { readCsv } from '../../src/storage/csv.ts';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const FIXTURES = path.join(ROOT, 'test/engine/fixtures');

let sample1m: Frame | undefined;
/** The bundled real 1m BTCUSDT sample (90 days); callers must not modify it (slice first). */
export function realMinutes(): Frame {
  sample1m ??= readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  return sample1m;
}

let sample1h: Frame | undefined;
export function realHours(): Frame {
  sample1h ??= readCsv(path.join(ROOT, 'data/sample/BTCUSDT-1h/klines.csv.gz'));
  return sample1h;
}

export function sampleConfig(name: string, overrides: Partial<Config> = {}): Config {
  return { ...loadConfig(path.join(FIXTURES, name), {}).config, ...overrides };
}

/** A TA-Lib function of ours over plain arrays (inputs in the function's order). */
export function talib(name: string, inputs: number[][], params: Record<string, number> = {}, output = 0): number[] {
  const fn = TALIB_FUNCTIONS[name]!;
  const k = fn.make({ ...fn.params, ...params }, output);
  return Array.from(runKernel(k, inputs.map((x) => Float64Array.from(x))));
}

/** Relative difference, 0 when both are NaN or equal. */
export function relDiff(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

/** Largest relative difference of two columns over rows [from, to) and where it is. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length): { max: number; at: number } {
  let max = 0;
  let at = -1;
  for (let i = from; i < to; i++) {
    const d = relDiff(a[i]!, b[i]!);
    if (d > max || Number.isNaN(d)) {
      max = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
  }
  return { max, at };
}
