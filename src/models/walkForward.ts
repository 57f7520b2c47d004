import { UserError } from '../shared/errors.ts';
import type { Frame } from '../core/frame.ts';
import { parseTime } from '../core/time.ts';

/** One walk-forward step: train on rows [trainStart, trainEnd), predict rows [predictStart, predictEnd). */
export interface WalkForwardStep {
  trainStart: number;
  trainEnd: number;
  predictStart: number;
  predictEnd: number;
}

export interface RollingParams {
  prediction_start?: string | number | null;
  prediction_size?: number | null;
  prediction_steps?: number | null;
}

/** Row of a `rolling_predict` bound: an int is a row number, a string a date (first row at or after it). */
export function rowOfBound(frame: Frame, value: string | number, key: string): number {
  if (typeof value === 'number') return value;
  const t = parseTime(value);
  if (Number.isNaN(t)) throw new UserError(`config: rolling_predict.${key} "${value}" is neither a row number nor a date`);
  return frame.lowerBound(t);
}

/** The original's `data_start`/`data_end`: a date keeps rows at/after (before) it, an int drops that many head (tail) rows. */
export function truncateRows(frame: Frame, dataStart: string | number | null | undefined, dataEnd: string | number | null | undefined): Frame {
  let start = 0;
  let end = frame.length;
  if (dataStart !== null && dataStart !== undefined) start = rowOfBound(frame, dataStart, 'data_start');
  if (dataEnd !== null && dataEnd !== undefined) end = typeof dataEnd === 'number' ? frame.length - dataEnd : rowOfBound(frame, dataEnd, 'data_end');
  return frame.slice(start, Math.max(start, end));
}

/**
 * The original's predict_rolling loop: one of prediction_start, prediction_size and
 * prediction_steps may be empty and is derived from the other two. Each step trains on the
 * rows that end label_horizon + 1 rows before its prediction slice, so that no training
 * label (which looks label_horizon rows ahead) sees a row of the slice.
 */
export function walkForwardPlan(rows: number, p: RollingParams & { startRow?: number }, labelHorizon: number, trainLength: number): WalkForwardStep[] {
  let start = p.startRow ?? (typeof p.prediction_start === 'number' ? p.prediction_start : undefined);
  let size = p.prediction_size ?? undefined;
  let steps = p.prediction_steps ?? undefined;
  const missing = [start, size, steps].filter((v) => v === undefined).length;
  if (missing > 1) throw new UserError('config: rolling_predict needs two of prediction_start, prediction_size and prediction_steps');
  if (start === undefined) start = rows - size! * steps!;
  else if (size === undefined) size = Math.floor((rows - start) / steps!);
  else if (steps === undefined) steps = Math.floor((rows - start) / size);
  if (!(size! > 0) || !(steps! > 0)) throw new UserError(`config: rolling_predict gives ${steps} steps of ${size} rows; both must be at least 1`);
  if (start < 0 || rows - start < steps! * size!) {
    throw new UserError(`config: rolling_predict asks for ${steps} steps of ${size} rows from row ${start}, but the data has ${rows} rows`);
  }
  const plan: WalkForwardStep[] = [];
  for (let k = 0; k < steps!; k++) {
    const predictStart = start + k * size!;
    const trainEnd = predictStart - labelHorizon - 1;
    const trainStart = trainLength ? Math.max(0, trainEnd - trainLength) : 0;
    if (trainEnd <= trainStart) throw new UserError(`config: rolling_predict step ${k + 1} has no training rows before row ${predictStart} (label_horizon ${labelHorizon})`);
    plan.push({ trainStart, trainEnd, predictStart, predictEnd: predictStart + size! });
  }
  return plan;
}
