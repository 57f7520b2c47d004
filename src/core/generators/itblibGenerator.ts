import type { Kernel } from '../features/kernel.ts';
import { RollingApply, halfWindow } from '../features/rollingKernels.ts';
import { areaRatio, nanMean, nanStd, slope } from '../features/windowStats.ts';
import type { ConfigReader } from './configReader.ts';
import type { KernelOutput, KernelProgram } from './program.ts';

/** The legacy itblib inputs (Binance kline columns), in kernel input order. */
const INPUTS = ['close', 'volume', 'high', 'low', 'trades', 'tb_base_av'] as const;
const [CLOSE, VOLUME, HIGH, LOW, TRADES, TB_BASE] = [0, 1, 2, 3, 4, 5];

/** Row values the itblib aggregations read, derived from one row (and the previous one). */
class ItblibRow {
  private prev = new Float64Array(6).fill(NaN);
  close = NaN;
  volume = NaN;
  trades = NaN;
  span = NaN;
  tbBase = NaN;
  constructor(private readonly useDifferences: boolean) {}
  /** to_diff: 100·(x − previous) / previous. */
  private diff(v: ArrayLike<number>, q: number): number {
    return this.useDifferences ? (100 * (v[q]! - this.prev[q]!)) / this.prev[q]! : v[q]!;
  }
  update(v: ArrayLike<number>): void {
    this.close = this.diff(v, CLOSE);
    this.volume = this.diff(v, VOLUME);
    this.trades = this.diff(v, TRADES);
    this.span = v[HIGH]! - v[LOW]!;
    // As in the original, the taker share is divided by the (already differenced) volume.
    this.tbBase = v[TB_BASE]! / this.volume;
    for (let q = 0; q < 6; q++) this.prev[q] = v[q]!;
  }
}

type Pick = (r: ItblibRow) => number;

/** 100·(agg over w − agg over the base window) / agg over the base window. */
class RelativeAgg implements Kernel {
  private readonly row: ItblibRow;
  private readonly w: RollingApply;
  private readonly b: RollingApply;
  constructor(useDiff: boolean, private readonly pick: Pick, w: number, base: number, fn: (x: Float64Array) => number) {
    this.row = new ItblibRow(useDiff);
    this.w = new RollingApply(w, halfWindow(w), fn);
    this.b = new RollingApply(base, halfWindow(base), fn);
  }
  next(v: ArrayLike<number>): number {
    this.row.update(v);
    const x = this.pick(this.row);
    const a = this.w.next1(x);
    const base = this.b.next1(x);
    return (100 * (a - base)) / base;
  }
}

/** Volume-weighted mean of close over w, relative to the same over the base window. */
class RelativeWeightedClose implements Kernel {
  private readonly row: ItblibRow;
  private readonly pw: RollingApply;
  private readonly vw: RollingApply;
  private readonly pb: RollingApply;
  private readonly vb: RollingApply;
  constructor(useDiff: boolean, w: number, base: number) {
    this.row = new ItblibRow(useDiff);
    this.pw = new RollingApply(w, halfWindow(w), nanMean);
    this.vw = new RollingApply(w, halfWindow(w), nanMean);
    this.pb = new RollingApply(base, halfWindow(base), nanMean);
    this.vb = new RollingApply(base, halfWindow(base), nanMean);
  }
  next(v: ArrayLike<number>): number {
    this.row.update(v);
    const p = this.row.close * this.row.volume;
    const f = this.pw.next1(p) / this.vw.next1(this.row.volume);
    const b = this.pb.next1(p) / this.vb.next1(this.row.volume);
    return (100 * (f - b)) / b;
  }
}

/** A plain rolling statistic of a derived value (area ratio, slope). */
class DerivedRolling implements Kernel {
  private readonly row: ItblibRow;
  private readonly r: RollingApply;
  constructor(useDiff: boolean, private readonly pick: Pick, w: number, fn: (x: Float64Array) => number) {
    this.row = new ItblibRow(useDiff);
    this.r = new RollingApply(w, halfWindow(w), fn);
  }
  next(v: ArrayLike<number>): number {
    this.row.update(v);
    return this.r.next1(this.pick(this.row));
  }
}

export const ITBLIB_FUNCTIONS = ['close_WMA', 'close_STD', 'volume_SMA', 'span_SMA', 'trades_SMA', 'tb_base_SMA', 'close_AREA', 'close_SLOPE', 'volume_SLOPE'];

/**
 * `itblib` (legacy): aggregations of Binance kline columns relative to a longer base window;
 * close, volume and trades are first turned into percentage changes (`use_differences`).
 */
export function compileItblib(cfg: ConfigReader): KernelProgram {
  const useDiff = cfg.bool('use_differences', true);
  const base = cfg.int('base_window');
  const windows = cfg.requiredWindows('windows');
  const fns = cfg.list('functions').map(String);
  for (const f of fns) if (!ITBLIB_FUNCTIONS.includes(f)) cfg.fail('functions', `unknown itblib function "${f}" (known: ${ITBLIB_FUNCTIONS.join(', ')})`);
  const on = (f: string) => fns.length === 0 || fns.includes(f);
  const all = [0, 1, 2, 3, 4, 5];
  const outputs: KernelOutput[] = [];
  const add = (name: string, make: () => Kernel) => outputs.push({ name, inputs: all, make });
  for (const w of on('close_WMA') ? windows : []) add(`close_${w}`, () => new RelativeWeightedClose(useDiff, w, base));
  for (const w of on('close_STD') ? windows : []) add(`close_std_${w}`, () => new RelativeAgg(useDiff, (r) => r.close, w, base, nanStd));
  for (const w of on('volume_SMA') ? windows : []) add(`volume_${w}`, () => new RelativeAgg(useDiff, (r) => r.volume, w, base, nanMean));
  for (const w of on('span_SMA') ? windows : []) add(`span_${w}`, () => new RelativeAgg(useDiff, (r) => r.span, w, base, nanMean));
  for (const w of on('trades_SMA') ? windows : []) add(`trades_${w}`, () => new RelativeAgg(useDiff, (r) => r.trades, w, base, nanMean));
  for (const w of on('tb_base_SMA') ? windows : []) add(`tb_base_${w}`, () => new RelativeAgg(useDiff, (r) => r.tbBase, w, base, nanMean));
  for (const w of on('close_AREA') ? windows : []) add(`close_area_${w}`, () => new DerivedRolling(useDiff, (r) => r.close, w, (x) => areaRatio(x)));
  for (const w of on('close_SLOPE') ? windows : []) add(`close_trend_${w}`, () => new DerivedRolling(useDiff, (r) => r.close, w, slope));
  for (const w of on('volume_SLOPE') ? windows : []) add(`volume_trend_${w}`, () => new DerivedRolling(useDiff, (r) => r.volume, w, slope));
  return { type: 'kernels', inputs: [...INPUTS], inputsKey: 'functions', fill: 'none', outputs };
}
