import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceState, type ScoreRecord } from '../../src/jobs/service/state.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-state-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const bar = (iso: string, score: number): ScoreRecord => ({ time: Date.parse(`${iso}Z`), close: 100, status: 'ok', values: { trade_score: score } });
const times = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { time: string }).time);

describe('the scores history', () => {
  it('keeps one month per file: a bar of a new month moves the old month aside, across restarts and catch-up batches', async () => {
    const dir = path.join(root, 'a');
    let state = await ServiceState.open(dir);
    state.appendHistory([bar('2025-10-31T23:57:00', 0.1), bar('2025-10-31T23:58:00', 0.2)]);
    // A restart: the month of the file is read from its last line.
    state = await ServiceState.open(dir);
    // A catch-up batch that crosses midnight at the end of the month.
    state.appendHistory([bar('2025-10-31T23:59:00', 0.3), bar('2025-11-01T00:00:00', 0.4), bar('2025-11-01T00:01:00', 0.5)]);
    expect(times(path.join(dir, 'scores-2025-10.jsonl'))).toEqual(['2025-10-31 23:57:00', '2025-10-31 23:58:00', '2025-10-31 23:59:00']);
    expect(times(state.historyFile)).toEqual(['2025-11-01 00:00:00', '2025-11-01 00:01:00']);
    expect(state.readHistory().map((r) => r.trade_score)).toEqual([0.4, 0.5]);

    state.appendHistory([bar('2025-12-01T00:00:00', -0.1)]);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('scores')).sort()).toEqual(['scores-2025-10.jsonl', 'scores-2025-11.jsonl', 'scores.jsonl']);
    expect(times(path.join(dir, 'scores-2025-11.jsonl'))).toEqual(['2025-11-01 00:00:00', '2025-11-01 00:01:00']);
    expect(times(state.historyFile)).toEqual(['2025-12-01 00:00:00']);
  });

  it('does not write a bar again that the history already has (a bar redone after a crash)', async () => {
    const dir = path.join(root, 'c');
    let state = await ServiceState.open(dir);
    state.appendHistory([bar('2025-11-02T00:00:00', 0.1), bar('2025-11-02T00:01:00', 0.2)]);
    state = await ServiceState.open(dir);
    state.appendHistory([bar('2025-11-02T00:01:00', 0.2), bar('2025-11-02T00:02:00', 0.3)]);
    state.appendHistory([bar('2025-11-02T00:02:00', 0.3)]);
    expect(times(state.historyFile)).toEqual(['2025-11-02 00:00:00', '2025-11-02 00:01:00', '2025-11-02 00:02:00']);
  });

  it('adds to a month file that already exists instead of overwriting it', async () => {
    const dir = path.join(root, 'b');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'scores-2025-10.jsonl'), '{"time":"2025-10-01 00:00:00","close":1,"status":"ok"}\n');
    fs.writeFileSync(path.join(dir, 'scores.jsonl'), '{"time":"2025-10-02 00:00:00","close":1,"status":"ok"}\n');
    const state = await ServiceState.open(dir);
    state.appendHistory([bar('2025-11-01T00:00:00', 0)]);
    expect(times(path.join(dir, 'scores-2025-10.jsonl'))).toEqual(['2025-10-01 00:00:00', '2025-10-02 00:00:00']);
    expect(times(state.historyFile)).toEqual(['2025-11-01 00:00:00']);
  });
});
