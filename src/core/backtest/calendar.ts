import { DAY } from '../time.ts';

/**
 * The periods over which risk ratios are measured: UTC days for intraday and daily bars,
 * otherwise one bar (weekly bars → weekly returns). Computed once per data window and
 * shared by every simulation over it.
 */
export interface ReturnCalendar {
  /** Row index of the last bar of each period, ascending. */
  periodEnds: Int32Array;
  periodMs: number;
  /** 365 days / period: the annualisation factor of mean and variance. */
  periodsPerYear: number;
}

export function returnCalendar(time: Float64Array): ReturnCalendar {
  const periodMs = Math.max(DAY, typicalInterval(time));
  const ends: number[] = [];
  for (let i = 0; i < time.length; i++) {
    const next = i + 1 < time.length ? time[i + 1]! : NaN;
    if (!(Math.floor(next / periodMs) === Math.floor(time[i]! / periodMs))) ends.push(i);
  }
  return { periodEnds: Int32Array.from(ends), periodMs, periodsPerYear: (365 * DAY) / periodMs };
}

/** Median spacing of the first rows (a gap here and there does not change it). */
function typicalInterval(time: Float64Array): number {
  const m = Math.min(time.length - 1, 1001);
  if (m < 1) return DAY;
  const diffs = new Float64Array(m);
  for (let i = 0; i < m; i++) diffs[i] = time[i + 1]! - time[i]!;
  diffs.sort();
  return diffs[m >> 1]!;
}
