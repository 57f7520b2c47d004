import type { ScaleOptions } from 'chart.js';
import { formatTime } from '../core/time.ts';
import { Y_AXIS_WIDTH } from './render.ts';

/**
 * Rows to draw for a long series: per bucket of consecutive rows, the lowest and the highest
 * value (in time order), so spikes stay visible however many rows there are. NaN is skipped.
 */
export function pickRows(values: Float64Array, maxBuckets = 800): Int32Array {
  const n = values.length;
  if (n <= 2 * maxBuckets) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (values[i] === values[i]) all.push(i);
    return Int32Array.from(all);
  }
  const out: number[] = [];
  const size = n / maxBuckets;
  for (let b = 0; b < maxBuckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      if (v !== v) continue;
      if (lo < 0 || v < values[lo]!) lo = i;
      if (hi < 0 || v > values[hi]!) hi = i;
    }
    if (lo < 0) continue;
    if (lo === hi) out.push(lo);
    else out.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  return Int32Array.from(out);
}

export function points(time: Float64Array, values: Float64Array, rows: ArrayLike<number>): Array<{ x: number; y: number }> {
  const out: Array<{ x: number; y: number }> = [];
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j]!;
    out.push({ x: time[i]!, y: values[i]! });
  }
  return out;
}

/** A linear x axis of epoch ms labelled with UTC dates (no date adapter needed). */
export function timeAxis(min: number, max: number, showLabels = true): ScaleOptions<'linear'> {
  const span = max - min;
  const label = (t: number) => {
    const s = formatTime(t);
    return span > 3 * 86_400_000 ? s.slice(0, 10) : span > 86_400_000 ? s.slice(5, 16) : s.slice(11, 16);
  };
  return {
    type: 'linear',
    min,
    max,
    afterBuildTicks(axis: { ticks: Array<{ value: number }> }) {
      axis.ticks = roundTimeTicks(min, max).map((value) => ({ value }));
    },
    ticks: { display: showLabels, maxTicksLimit: 8, maxRotation: 0, align: 'inner', callback: (v) => label(Number(v)) },
    grid: { color: '#eeeeee' },
  } as ScaleOptions<'linear'>;
}

/** A y axis of fixed width, so stacked panels line up. */
export function valueAxis(title: string, extra: Partial<ScaleOptions<'linear'>> = {}): ScaleOptions<'linear'> {
  return {
    type: 'linear',
    position: 'left',
    title: { display: true, text: title },
    grid: { color: '#eeeeee' },
    afterFit(scale: { width: number }) {
      scale.width = Y_AXIS_WIDTH;
    },
    ...extra,
  } as unknown as ScaleOptions<'linear'>;
}

const TICK_STEPS = [1, 5, 15, 30, 60, 120, 180, 360, 720, 1440, 2 * 1440, 7 * 1440, 14 * 1440, 30 * 1440, 91 * 1440, 182 * 1440, 365 * 1440].map((m) => m * 60_000);

/** Tick times on whole UTC minutes/hours/days, at most `most` of them. */
export function roundTimeTicks(min: number, max: number, most = 8): number[] {
  const span = max - min;
  const step = TICK_STEPS.find((s) => span / s <= most) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) out.push(t);
  return out;
}
