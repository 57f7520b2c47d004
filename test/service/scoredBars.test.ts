import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTime, parseTime } from '../../src/core/time.ts';
import { ServiceState } from '../../src/jobs/service/state.ts';
import { readScoredBars } from '../../src/jobs/service/scoredBars.ts';

describe('the bars the service scored, read back for /backtest', () => {
  it('come from the scores history across its months, after the given time, oldest first', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-scored-'));
    const state = await ServiceState.open(dir);
    const bar = (t: string, score: number) => ({ time: parseTime(t), close: 100 + score, status: 'ok' as const, values: { trade_score: score, buy: NaN } });
    state.appendHistory([bar('2025-10-31 23:58', 1), bar('2025-10-31 23:59', 2), bar('2025-11-01 00:00', 3), bar('2025-11-01 00:01', 4)]);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('scores')).sort()).toEqual(['scores-2025-10.jsonl', 'scores.jsonl']);
    // A line cut short by a crash is skipped.
    fs.appendFileSync(path.join(dir, 'scores.jsonl'), '{"time":"2025-11-01 00:02:00","clo');

    const f = readScoredBars(dir, ['trade_score', 'buy'], parseTime('2025-10-31 23:58'));
    expect(Array.from(f.time, (t) => formatTime(t))).toEqual(['2025-10-31 23:59:00', '2025-11-01 00:00:00', '2025-11-01 00:01:00']);
    expect(Array.from(f.get('trade_score'))).toEqual([2, 3, 4]);
    expect(Array.from(f.get('close'))).toEqual([102, 103, 104]);
    expect(Array.from(f.get('buy')).every(Number.isNaN)).toBe(true);
    expect(readScoredBars(dir, ['trade_score'], parseTime('2025-11-01 00:01')).length).toBe(0);
    expect(readScoredBars(path.join(dir, 'none'), ['trade_score'], 0).length).toBe(0);
  });
});
