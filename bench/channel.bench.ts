/**
 * The channel and the thresholds of the embedded default on the bundled 90 days (issue #16).
 *
 * Scores: the embedded config's models trained walk-forward as `itb predict-rolling` does: 10
 * steps of 6 days, each model trained on every row before its step up to a 2-hour label gap (30
 * days for the first step, 84 for the last), so each of the last 60 days is scored by a model
 * that never saw it. Each step's scores are read through that step's own training calibration
 * (the `calibrate` of the signal sets), never a later model's. On those scores:
 * - channel posts per day of the original's score notifier (the sample config's bands, a post
 *   every `frequency` minutes in a band) and of the embedded default's (posts on band changes,
 *   paced, with hysteresis), and whether every band entry reached a post;
 * - buy and sell signals as a share of the bars with the config's thresholds, over the 60 days
 *   and over each half;
 * - the backtest of those thresholds with fees over the 60 days beside buy-and-hold;
 * - for comparison, the walk-forward thresholds of simulate_model (fitted on the month before
 *   each week, with fees), which the embedded default does not use.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { Frame } from '../src/core/frame.ts';
import { DAY, formatTime } from '../src/core/time.ts';
import { expandGrid, parseGrid } from '../src/core/backtest/grid.ts';
import { evaluateRules } from '../src/core/backtest/gridSearch.ts';
import { findScoreRule, thresholdsFor } from '../src/core/backtest/scoreRule.ts';
import type { ThresholdRule } from '../src/core/backtest/thresholdSwitches.ts';
import { monthsToMs, walkForwardThresholds } from '../src/core/backtest/walkForwardThresholds.ts';
import { describeParameters } from '../src/core/backtest/walkForwardFile.ts';
import { paceScore, type PacingState } from '../src/core/notify/bandPacing.ts';
import { findScoreBand, scoreNotificationConfigs, type ScoreNotificationConfig } from '../src/core/notify/scoreBand.ts';
import { computeFeatures, computeLabels, runSection } from '../src/core/generators/index.ts';
import { trainAll } from '../src/models/trainAll.ts';
import { walkForwardPlan } from '../src/models/walkForward.ts';
import { readCsv } from '../src/storage/csv.ts';
import type { BenchRow } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const STEP_ROWS = 6 * 1440;
const STEPS = 10;

/** The embedded default's scores and signals on the last 60 days of the sample, each step from a model trained before it. */
async function outOfSampleScores(config: Config): Promise<Frame> {
  const klines = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  const matrix = await computeLabels(await computeFeatures(klines, config), config);
  const plan = walkForwardPlan(matrix.length, { prediction_size: STEP_ROWS, prediction_steps: STEPS }, config.label_horizon, config.train_length);
  const start = plan[0]!.predictStart;
  const out = matrix.slice(start, plan[plan.length - 1]!.predictEnd).select(['close']);
  for (const step of plan) {
    const models = await trainAll(config, matrix.slice(step.trainStart, step.trainEnd), { save: false });
    const slice = matrix.slice(step.predictStart, step.predictEnd).select(['close']);
    slice.assign(models.predictFrame(matrix, { start: step.predictStart, end: step.predictEnd }));
    // The signal sets read this step's models' calibration: a slice is never read through a model trained on it.
    await runSection(slice, config, 'signal_sets', { calibration: models.calibration });
    for (const c of slice.columnNames()) {
      if (c === 'close') continue;
      if (!out.has(c)) out.set(c, new Float64Array(out.length).fill(NaN), slice.kind(c));
      out.get(c).set(slice.get(c), step.predictStart - start);
    }
  }
  return out;
}

interface ChannelFigures {
  perDay: number;
  maxPerDay: number;
  /** Changes of the band the notifier counts (with hysteresis: of the band in force). */
  entries: number;
  reported: number;
  /** Changes of the bare band (every edge crossing). */
  crossings: number;
  /** Posts that list more than one band change. */
  digests: number;
  posts: number;
}

/** Replays a notifier over the scores (bar close = open + 1 min) and counts its posts. */
function channel(frame: Frame, cfg: ScoreNotificationConfig): ChannelFigures {
  const score = frame.get(cfg.scoreColumns[0]!);
  const close = frame.get('close');
  let state: PacingState | null = null;
  let band: number | null = null;
  let bare: number | null = null;
  const f = { entries: 0, reported: 0, crossings: 0, digests: 0, posts: 0 };
  const days = new Map<number, number>();
  for (let i = 0; i < frame.length; i++) {
    if (!Number.isFinite(score[i]!)) continue;
    const n = paceScore({ symbol: 'BTCUSDT', freq: '1min', closeTime: frame.time[i]! + 60_000, close: close[i]!, score: score[i]! }, cfg, state);
    state = n.state;
    if (n.bandNo !== band) f.entries++;
    band = n.bandNo;
    const b = findScoreBand(score[i]!, cfg.positiveBands, cfg.negativeBands).bandNo;
    if (b !== bare) f.crossings++;
    bare = b;
    if (!n.post) continue;
    f.posts++;
    f.reported += n.post.changes.length;
    if (n.post.changes.length > 1) f.digests++;
    const d = Math.floor(frame.time[i]! / DAY);
    days.set(d, (days.get(d) ?? 0) + 1);
  }
  return { ...f, perDay: f.posts / (frame.length / 1440), maxPerDay: Math.max(...days.values()) };
}

/** % of the rows [from, to) where a boolean column is 1. */
function share(values: Float64Array, from = 0, to = values.length): number {
  let on = 0;
  for (let i = from; i < to; i++) if (values[i] === 1) on++;
  return (100 * on) / (to - from);
}

/** % of rows [from, to) whose score passes a side of a threshold rule. */
function shareOf(score: Float64Array, rule: ThresholdRule, side: 'buy' | 'sell', from: number, to: number): number {
  let on = 0;
  for (let i = from; i < to; i++) if (side === 'buy' ? score[i]! >= rule.buy : score[i]! <= rule.sell) on++;
  return (100 * on) / (to - from);
}

const day = (t: number) => formatTime(t).slice(0, 10);

export async function bench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-channel-'));
  try {
    const embedded = loadConfig(path.join(ROOT, 'src/config/samples/embedded.jsonc'), {}).config;
    const config: Config = { ...embedded, data_folder: dir };
    const t0 = performance.now();
    const frame = await outOfSampleScores(config);
    const scoringSeconds = (performance.now() - t0) / 1000;
    const days = frame.length / 1440;
    const half = frame.lowerBound(frame.time[0]! + 30 * DAY);
    const period = `${day(frame.time[0]!)} → ${day(frame.time[frame.length - 1]!)}`;
    const halves = `${day(frame.time[0]!)}…${day(frame.time[half - 1]!)} / ${day(frame.time[half]!)}…`;

    const original = scoreNotificationConfigs(loadConfig(path.join(ROOT, 'src/config/samples/config-sample-1min.jsonc'), {}).config as never)[0]!;
    const paced = scoreNotificationConfigs(config as never)[0]!;
    const withoutHysteresis = { ...paced, pacing: { ...paced.pacing!, hysteresis: 0 } };
    const before = channel(frame, original);
    const after = channel(frame, paced);
    const noHyst = channel(frame, withoutHysteresis);

    const rule = findScoreRule(config.signal_sets, config.simulate_model.signal_generator);
    const [buyName, sellName] = rule.names;
    const buy = frame.get(buyName);
    const sell = frame.get(sellName);
    const sim = config.simulate_model;
    const costs = { fees: sim.fees, slippage: sim.slippage };
    const data = { time: frame.time, price: frame.get('close'), score: frame.get(rule.scores[0]!) };
    const [fixed] = await evaluateRules(data, [thresholdsFor(rule, {})], { direction: sim.direction, costs });

    const grid = parseGrid(sim.grid, sim.buy_sell_equal);
    const combos = expandGrid(grid);
    const wf = await walkForwardThresholds(data, combos, combos.map((p) => thresholdsFor(rule, p)), {
      trainMs: monthsToMs(sim.walk_forward?.train_months ?? 1),
      testMs: monthsToMs(sim.walk_forward?.test_months ?? 0.25),
      direction: sim.direction,
      costs,
      sortBy: sim.sort_by,
    });
    // Signals under each period's own thresholds, over the periods' rows.
    let wfBuy = 0;
    let wfSell = 0;
    for (const p of wf.periods) {
      const rows = p.test.end - p.test.start;
      wfBuy += (shareOf(data.score, p.rule, 'buy', p.test.start, p.test.end) * rows) / 100;
      wfSell += (shareOf(data.score, p.rule, 'sell', p.test.start, p.test.end) * rows) / 100;
    }
    const wfRows = wf.span.end - wf.span.start;
    const m = wf.metrics;
    const own = describeParameters(rule.parameters);
    return [
      { name: 'channel posts / day, original notifier (frequency repeats)', value: before.perDay, unit: 'posts', note: `max ${before.maxPerDay} a day; ${days.toFixed(0)} out-of-sample days ${period}` },
      { name: 'channel posts / day, embedded default (paced)', value: after.perDay, unit: 'posts', baseline: before.perDay, baselineLabel: 'original', target: '≤ 48', note: `max ${after.maxPerDay} a day; ${after.digests} of ${after.posts} posts list several changes` },
      { name: 'band entries in a post, embedded default', value: after.reported, unit: 'entries', baseline: after.entries, baselineLabel: 'band entries', target: 'all (held ones come later)', note: `${after.entries - after.reported} held at the end of the data` },
      { name: 'edge crossings (without band_hysteresis: each an entry)', value: after.crossings, unit: 'crossings', note: `without hysteresis: ${noHyst.perDay.toFixed(1)} posts/day, ${noHyst.digests} of ${noHyst.posts} list several changes` },
      { name: `buy signals, ${own}`, value: share(buy), unit: '% of bars', target: '0.5–5 %', note: `halves ${halves}: ${share(buy, 0, half).toFixed(2)} / ${share(buy, half).toFixed(2)} %` },
      { name: 'sell signals', value: share(sell), unit: '% of bars', target: '0.5–5 %', note: `halves: ${share(sell, 0, half).toFixed(2)} / ${share(sell, half).toFixed(2)} %` },
      {
        name: `backtest ${own}, fee ${100 * sim.fees} %/side, ${sim.direction}`,
        value: fixed!.totalReturn,
        unit: '%',
        baseline: fixed!.buyAndHold,
        baselineLabel: 'buy and hold',
        note: `${period}; buy and hold ${fixed!.buyAndHold.toFixed(1)} %; ${fixed!.trades} trades, win rate ${fixed!.winRate.toFixed(0)} %, max drawdown ${fixed!.maxDrawdown.toFixed(1)} %, exposure ${fixed!.exposure.toFixed(0)} %`,
      },
      {
        name: `comparison: walk-forward thresholds, ${wf.periods.length} periods`,
        value: m.totalReturn,
        unit: '%',
        baseline: m.buyAndHold,
        baselineLabel: 'buy and hold',
        note: `${day(frame.time[wf.span.start]!)} → ${day(frame.time[wf.span.end - 1]!)}; buy and hold ${m.buyAndHold.toFixed(1)} %; ${m.trades} trades, max drawdown ${m.maxDrawdown.toFixed(1)} %; buy ${((100 * wfBuy) / wfRows).toFixed(2)} %, sell ${((100 * wfSell) / wfRows).toFixed(2)} % of bars; ${wf.periods.map((p) => describeParameters(p.params)).join(' | ')}`,
      },
      { name: 'out-of-sample scoring of the 90 days (10 trainings)', value: scoringSeconds, unit: 's', note: 'what an honest walk-forward at each demo training would add' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
