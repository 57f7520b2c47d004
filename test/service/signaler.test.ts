import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { ReplayCandleSource } from '../../src/core/exchange/replay.ts';
import type { Candle, CandleSource } from '../../src/core/exchange/types.ts';
import type { Frame } from '../../src/core/frame.ts';
import { parseFreq, parseTime, MINUTE } from '../../src/core/time.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { log } from '../../src/shared/log.ts';
import type { BarOutput, BarScorer, OutputBar, ScoredBar } from '../../src/jobs/service/ports.ts';
import { ServiceState } from '../../src/jobs/service/state.ts';
import { Signaler } from '../../src/jobs/service/signaler.ts';

/**
 * The cycle's mechanics with a stand-in scorer (the change of close over 3 bars): what is
 * fetched, in which order bars are processed, what counts as fresh, what is persisted.
 * The real engine and models are exercised in online-offline.test.ts.
 */
class ChangeScorer implements BarScorer {
  readonly outputColumns = ['change3'];
  closes: number[] = [];
  inits = 0;
  /** Fails once, half-way through this bar (its close already taken in). */
  failAt: number | null = null;
  init(history: Frame): void {
    this.inits++;
    this.closes = Array.from(history.get('close'));
  }
  push(c: Candle): ScoredBar {
    this.closes.push(c.close);
    if (c.time === this.failAt) {
      this.failAt = null;
      throw new Error('engine failure');
    }
    const n = this.closes.length;
    const change3 = n > 3 ? this.closes[n - 1]! - this.closes[n - 4]! : NaN;
    return { time: c.time, values: { change3 }, complete: Number.isFinite(change3), computeMs: 0 };
  }
}

/** Records the fresh bars (the ones an alert or a trade may use) and every bar it was shown. */
class RecordingOutput implements BarOutput {
  readonly name = 'recorder';
  bars: OutputBar[] = [];
  seen: number[] = [];
  async run(bar: OutputBar): Promise<void> {
    this.seen.push(bar.candle.time);
    if (bar.fresh) this.bars.push(bar);
  }
}

/** Wraps a source so a test can make its calls fail. */
class FlakySource implements CandleSource {
  readonly id = 'flaky';
  failuresLeft = 0;
  calls = 0;
  constructor(readonly inner: ReplayCandleSource) {}
  now(): number {
    return this.inner.now();
  }
  async fetchCandles(...args: Parameters<CandleSource['fetchCandles']>): Promise<Candle[]> {
    this.calls++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('503 Service Unavailable');
    }
    return this.inner.fetchCandles(...args);
  }
}

let day: Frame;
const START = parseTime('2025-11-20 00:00:00');
const freq = parseFreq('1min');
let tmp: string;

beforeAll(() => {
  const all = readCsv('data/sample/BTCUSDT/klines.csv.gz');
  day = all.slice(all.lowerBound(START - 500 * MINUTE), all.lowerBound(START + 400 * MINUTE));
});

afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function config(extra: Record<string, unknown> = {}) {
  tmp ||= fs.mkdtempSync(path.join(os.tmpdir(), 'itb-signaler-'));
  return buildConfig({ data_folder: tmp, freq: '1min', features_horizon: 10, predict_length: 5, append_overlap_records: 5, ...extra }, { env: {} }).config;
}

/** Serves the newest closed candle only from the second request on, like an exchange a moment late. */
class LateCandleSource implements CandleSource {
  readonly id = 'late';
  lateOnce = false;
  constructor(readonly inner: ReplayCandleSource) {}
  now(): number {
    return this.inner.now();
  }
  async fetchCandles(...args: Parameters<CandleSource['fetchCandles']>): Promise<Candle[]> {
    const got = await this.inner.fetchCandles(...args);
    if (!this.lateOnce) return got;
    this.lateOnce = false;
    return got.slice(0, -1);
  }
}

async function setup(opts: { klines?: Frame; source?: (r: ReplayCandleSource) => CandleSource; stateDir?: string; clock?: number; staleRetryMs?: number } = {}) {
  const replay = new ReplayCandleSource(opts.klines ?? day, freq, { start: opts.clock ?? START + 1000, speed: 0 });
  const source = opts.source ? opts.source(replay) : replay;
  const cfg = config();
  const state = await ServiceState.open(opts.stateDir ?? path.join(tmp, 'state'));
  const scorer = new ChangeScorer();
  const output = new RecordingOutput();
  const adminMessages: string[] = [];
  const signaler = new Signaler({
    config: cfg,
    source,
    scorer,
    outputs: [output],
    state,
    admins: { notifyAdmins: async (t) => void adminMessages.push(t) },
    log: log(),
    staleRetryMs: opts.staleRetryMs,
  });
  await signaler.start();
  const tickAt = async (t: number) => {
    replay.setNow(t);
    return signaler.tick();
  };
  return { replay, signaler, state, scorer, output, adminMessages, tickAt };
}

const closeAt = (t: number) => day.get('close')[day.lowerBound(t)]!;

describe('the minute cycle', () => {
  it('processes each closed bar once, in order, and scores it from the bars before it', async () => {
    const { signaler, output, state, tickAt } = await setup();
    expect(state.data.lastBarTime).toBe(START - MINUTE);
    for (let k = 1; k <= 30; k++) await tickAt(START + k * MINUTE + 1000);
    const times = output.bars.map((b) => b.candle.time);
    expect(times).toEqual(Array.from({ length: 30 }, (_, k) => START + k * MINUTE));
    for (const b of output.bars) {
      expect(b.fresh).toBe(true);
      expect(b.scored.values.change3).toBeCloseTo(closeAt(b.candle.time) - closeAt(b.candle.time - 3 * MINUTE), 9);
    }
    const history = state.readHistory();
    expect(history).toHaveLength(30);
    expect(history[0]).toMatchObject({ time: '2025-11-20 00:00:00', status: 'ok' });
    expect(signaler.health().lastBarTime).toBe(START + 29 * MINUTE);
    await signaler.stop();
  });

  it('asks the exchange for the bars that can have closed, not a whole page (a request weighs by its limit)', async () => {
    const limits: number[] = [];
    const { tickAt } = await setup({
      source: (r) => ({ id: 'recording', now: () => r.now(), fetchCandles: (symbol, f, since, limit) => (limits.push(limit), r.fetchCandles(symbol, f, since, limit)) }),
    });
    // The warm-up: the history the features need (features_horizon 10 + predict_length 5), and one more.
    expect(limits).toEqual([16]);
    await tickAt(START + MINUTE + 1000);
    // A tick: the overlap (5 bars), the new bar, the one still open, and a spare or two (the clock is a second past the close).
    expect(limits.slice(1)).toEqual([10]);
    // After downtime, as many as closed meanwhile.
    await tickAt(START + 60 * MINUTE + 1000);
    expect(limits.slice(2)).toEqual([68]);
  });

  it('never runs two ticks at once: the second is skipped', async () => {
    const { signaler, replay } = await setup();
    replay.setNow(START + 5 * MINUTE + 1000);
    const [a, b] = await Promise.all([signaler.tick(), signaler.tick()]);
    expect(a?.bars).toBe(5);
    expect(b).toBeNull();
    expect(signaler.health().skippedTicks).toBe(1);
  });

  it('after downtime backfills the missed bars in order, but only the newest is fresh', async () => {
    const { output, state, tickAt } = await setup();
    const report = await tickAt(START + 10 * MINUTE + 1000);
    expect(report?.bars).toBe(10);
    expect(state.readHistory().map((r) => r.status)).toEqual([...Array(8).fill('late'), 'ok', 'ok']);
    expect(output.bars.map((b) => b.candle.time)).toEqual([START + 8 * MINUTE, START + 9 * MINUTE]);
    expect(output.seen).toEqual(Array.from({ length: 10 }, (_, k) => START + k * MINUTE));
  });

  it('marks the bars after a missing candle as gap-affected and does not alert or trade on them', async () => {
    const missing = START + 5 * MINUTE;
    const i = day.lowerBound(missing);
    const holed = day.slice(0, i).appendReplacing(day.slice(i + 1));
    const { output, state, signaler, tickAt } = await setup({ klines: holed });
    for (let k = 1; k <= 25; k++) await tickAt(START + k * MINUTE + 1000);
    expect(state.data.gaps).toEqual([{ from: missing, to: missing + MINUTE, missingBars: 1 }]);
    const statuses = state.readHistory().map((r) => r.status);
    expect(statuses).toEqual([...Array(5).fill('ok'), ...Array(10).fill('gap'), ...Array(9).fill('ok')]);
    expect(output.bars.some((b) => b.candle.time > missing && b.candle.time < missing + 11 * MINUTE)).toBe(false);
    expect(signaler.health().gapAffectedUntil).toBe(missing + 10 * MINUTE);
  });

  it('reports a tick failure to admins once, keeps ticking, and recovers without losing a bar', async () => {
    let flaky!: FlakySource;
    const { output, adminMessages, tickAt, signaler } = await setup({ source: (r) => (flaky = new FlakySource(r)) });
    await tickAt(START + MINUTE + 1000);
    flaky.failuresLeft = 3;
    for (let k = 2; k <= 4; k++) expect((await tickAt(START + k * MINUTE + 1000))?.error).toMatch(/503/);
    expect(adminMessages).toHaveLength(1);
    expect(adminMessages[0]).toMatch(/tick failed .*503 Service Unavailable/);
    expect(signaler.health().failure?.count).toBe(3);
    await tickAt(START + 5 * MINUTE + 1000);
    expect(adminMessages).toHaveLength(2);
    expect(adminMessages[1]).toMatch(/recovered after 3 failed tick/);
    expect(output.bars.map((b) => (b.candle.time - START) / MINUTE)).toEqual([0, 3, 4]);
    expect(signaler.health().failure).toBeNull();
  });

  it('starts the streams again from history after the engine failed half-way through a bar', async () => {
    const { scorer, output, adminMessages, tickAt, state } = await setup();
    await tickAt(START + MINUTE + 1000);
    scorer.failAt = START + MINUTE;
    expect((await tickAt(START + 2 * MINUTE + 1000))?.error).toMatch(/engine failure/);
    expect(adminMessages).toHaveLength(1);
    await tickAt(START + 3 * MINUTE + 1000);
    expect(scorer.inits).toBe(2);
    expect(output.bars.map((b) => (b.candle.time - START) / MINUTE)).toEqual([0, 1, 2]);
    // The value of the bar that failed once is computed from clean history, not from a doubled close.
    expect(output.bars[1]!.scored.values.change3).toBeCloseTo(closeAt(START + MINUTE) - closeAt(START - 2 * MINUTE), 9);
    expect(state.readHistory().map((h) => h.time)).toEqual(['2025-11-20 00:00:00', '2025-11-20 00:01:00', '2025-11-20 00:02:00']);
  });

  it('continues after a restart from the last processed bar: nothing repeated, nothing skipped, output state kept', async () => {
    const stateDir = path.join(config().data_folder, 'state-restart');
    const first = await setup({ stateDir });
    for (let k = 1; k <= 12; k++) await first.tickAt(START + k * MINUTE + 1000);
    first.state.data.outputs['0:recorder'] = { band: 2 };
    await first.signaler.stop();
    const second = await setup({ stateDir, clock: START + 12 * MINUTE + 1000 });
    expect(second.state.data.outputs['0:recorder']).toEqual({ band: 2 });
    for (let k = 13; k <= 20; k++) await second.tickAt(START + k * MINUTE + 1000);
    const times = second.state.readHistory().map((r) => parseTime(String(r.time)));
    expect(times).toEqual(Array.from({ length: 20 }, (_, k) => START + k * MINUTE));
    expect(second.output.bars[0]!.scored.values.change3).toBeCloseTo(closeAt(START + 12 * MINUTE) - closeAt(START + 9 * MINUTE), 9);
  });

  it('asks once more within the tick when the newest candle is a moment late', async () => {
    let late!: LateCandleSource;
    const { tickAt, output } = await setup({ source: (r) => (late = new LateCandleSource(r)), staleRetryMs: 20 });
    late.lateOnce = true;
    const r = await tickAt(START + MINUTE + 1000);
    expect(r?.stale).toBe(false);
    expect(output.bars.map((b) => b.candle.time)).toEqual([START]);
  });

  it('says so when the source has not delivered the newest closed bar, and does not pretend it is scored', async () => {
    const cut = day.slice(0, day.lowerBound(START + 3 * MINUTE));
    const { tickAt, signaler, output, state } = await setup({ klines: cut });
    const r = await tickAt(START + 6 * MINUTE + 1000);
    expect(r?.stale).toBe(true);
    expect(signaler.health().staleSince).not.toBeNull();
    expect(state.readHistory().map((h) => h.status)).toEqual(['late', 'late', 'late']);
    expect(output.bars).toEqual([]);
  });
});
