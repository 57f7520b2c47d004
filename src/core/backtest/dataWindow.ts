import { UserError } from '../../shared/errors.ts';
import type { Frame } from '../frame.ts';
import { parseTime } from '../time.ts';

/**
 * The original's data_start / data_end truncation (simulate_model, rolling_predict): a date
 * string keeps rows with time ≥ data_start and < data_end; an int drops that many rows from
 * the start (data_start) or from the end (data_end); 0 or null leaves the side as it is.
 */
export function truncateRows(frame: Frame, start: string | number | null | undefined, end: string | number | null | undefined, label: string): Frame {
  let from = 0;
  let to = frame.length;
  if (typeof start === 'string' && start.trim()) from = frame.lowerBound(timeOf(start, `${label}.data_start`));
  else if (typeof start === 'number' && start) from = start < 0 ? Math.max(0, frame.length + start) : Math.min(start, frame.length);
  if (typeof end === 'string' && end.trim()) to = frame.lowerBound(timeOf(end, `${label}.data_end`));
  else if (typeof end === 'number' && end) to = end > 0 ? Math.max(0, frame.length - end) : Math.min(-end, frame.length);
  if (from === 0 && to === frame.length) return frame;
  return frame.slice(from, Math.max(from, to));
}

function timeOf(text: string, where: string): number {
  const t = parseTime(text);
  if (!Number.isFinite(t)) throw new UserError(`${where}: "${text}" is not a date (expected e.g. "2025-01-01" or "2025-01-01 00:00:00")`);
  return t;
}
