import fs from 'node:fs';
import path from 'node:path';
import { Frame } from '../../core/frame.ts';
import { parseTime } from '../../core/time.ts';

/**
 * The bars the service scored after `after` (epoch ms, exclusive), read back from its scores
 * history in `folder` (`scores.jsonl` and the months moved aside as `scores-YYYY-MM.jsonl`),
 * oldest first, as a frame of `close` and the named columns (NaN where a bar has no value).
 * Only the months that can hold such bars are read; a line cut short by a crash is skipped.
 */
export function readScoredBars(folder: string, columns: readonly string[], after: number): Frame {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    names = [];
  }
  const files = names.filter((n) => /^scores-\d{4}-\d{2}\.jsonl$/.test(n)).sort();
  if (names.includes('scores.jsonl')) files.push('scores.jsonl');
  const rows: Array<{ time: number; values: Record<string, unknown> }> = [];
  // Newest file first; a file holding a bar at or before `after` is the last one needed.
  for (let f = files.length - 1; f >= 0; f--) {
    let reachedAfter = false;
    const found: typeof rows = [];
    for (const line of fs.readFileSync(path.join(folder, files[f]!), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const time = typeof rec.time === 'string' ? parseTime(rec.time) : NaN;
      if (!Number.isFinite(time)) continue;
      if (time <= after) reachedAfter = true;
      else found.push({ time, values: rec });
    }
    rows.unshift(...found);
    if (reachedAfter) break;
  }
  rows.sort((a, b) => a.time - b.time);
  const frame = new Frame(Float64Array.from(rows, (r) => r.time));
  for (const c of ['close', ...columns.filter((c) => c !== 'close')]) {
    frame.set(c, Float64Array.from(rows, (r) => (typeof r.values[c] === 'number' ? (r.values[c] as number) : NaN)));
  }
  return frame;
}
