/**
 * The channel and the thresholds of the embedded default on the bundled 90 days (issue #16).
 *
 * Scores: the embedded config's models trained walk-forward as `itb predict-rolling` does (30
 * days of training, a 2-hour label gap, retrained every 6 days), so each of the last 60 days is
 * scored by a model that never saw it; then its signal_sets. On those scores:
 * - channel posts per day of the original's score notifier (the sample config's bands, a post
 *   every `frequency` minutes in a band) and of the embedded default's (posts on band changes,
 *   paced), and whether every band change reached a post;
 * - buy and sell signals as a share of the bars, with the configured thresholds and with the
 *   walk-forward ones;
 * - the walk-forward backtest of simulate_model (thresholds fitted on the month before each
 *   week, with fees) beside buy-and-hold over the same rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { Frame } from '../src/core/frame.ts';
import { DAY } from '../src/core/time.ts';
import { expandGrid, parseGrid } from '../src/core/backtest/grid.ts';
import { findScoreRule, thresholdsFor } from '../src/core/backtest/scoreRule.ts';
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

/** The embedded default's scores on the last 60 days of the sample, each from a model trained before it. */
async function outOfSampleScores(config: Config): Promise<Frame> {
  const klines = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  const matrix = await computeLabels(await computeFeatures(klines, config), config);
  const plan = walkForwardPlan(matrix.length, { prediction_size: STEP_ROWS, prediction_steps: STEPS }, config.label_horizon, config.train_length);
  const start = plan[0]!.predictStart;
  const out = matrix.slice(start, plan[plan.length - 1]!.predictEnd).select(['close']);
  const scores = new Map<string, Float64Array>();
  for (const step of plan) {
    const models = await trainAll(config, matrix.slice(step.trainStart, step.trainEnd));
    const p = models.predictFrame(matrix, { start: step.predictStart, end: step.predictEnd });
    for (const c of p.columnNames()) {
      if (!scores.has(c)) scores.set(c, new Float64Array(out.length).fill(NaN));
      scores.get(c)!.set(p.get(c), step.predictStart - start);
    }
  }
  for (const [c, v] of scores) out.set(c, v);
  await runSection(out, config, 'signal_sets');
  return out;
}

interface ChannelFigures {
  perDay: number;
  maxPerDay: number;
  changes: number;
  reported: number;
}

/** Replays a notifier over the scores (bar close = open + 1 min) and counts its posts. */
function channel(frame: Frame, cfg: ScoreNotificationConfig): ChannelFigures {
  const score = frame.get(cfg.scoreColumns[0]!);
  const close = frame.get('close');
  let state: PacingState | null = null;
  let band: number | null = null;
  let changes = 0;
  let reported = 0;
  const days = new Map<number, number>();
  for (let i = 0; i < frame.length; i++) {
    if (!Number.isFinite(score[i]!)) continue;
    const n = paceScore({ symbol: 'BTCUSDT', freq: '1min', closeTime: frame.time[i]! + 60_000, close: close[i]!, score: score[i]! }, cfg, state);
    state = n.state;
    const b = findScoreBand(score[i]!, cfg.positiveBands, cfg.negativeBands).bandNo;
    if (b !== band) changes++;
    band = b;
    if (!n.post) continue;
    reported += n.post.changes.length;
    const d = Math.floor(frame.time[i]! / DAY);
    days.set(d, (days.get(d) ?? 0) + 1);
  }
  const n = frame.length / 1440;
  const posts = [...days.values()].reduce((a, b) => a + b, 0);
  return { perDay: posts / n, maxPerDay: Math.max(...days.values()), changes, reported };
}

function share(values: Float64Array): number {
  let on = 0;
  for (const v of values) if (v === 1) on++;
  return (100 * on) / values.length;
}

export async function bench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-channel-'));
  try {
    const embedded = loadConfig(path.join(ROOT, 'src/config/samples/embedded.jsonc'), {}).config;
    const config: Config = { ...embedded, data_folder: dir };
    const frame = await outOfSampleScores(config);
    const days = frame.length / 1440;

    const original = scoreNotificationConfigs(loadConfig(path.join(ROOT, 'src/config/samples/config-sample-1min.jsonc'), {}).config as never)[0]!;
    const paced = scoreNotificationConfigs(config as never)[0]!;
    const before = channel(frame, original);
    const after = channel(frame, paced);

    const rule = findScoreRule(config.signal_sets, config.simulate_model.signal_generator);
    const [buyName, sellName] = rule.names;
    const sim = config.simulate_model;
    const grid = parseGrid(sim.grid, sim.buy_sell_equal);
    const combos = expandGrid(grid);
    const data = { time: frame.time, price: frame.get('close'), score: frame.get(rule.scores[0]!) };
    const wf = await walkForwardThresholds(
      data,
      combos,
      combos.map((p) => thresholdsFor(rule, p)),
      { trainMs: monthsToMs(sim.walk_forward?.train_months ?? 1), testMs: monthsToMs(sim.walk_forward?.test_months ?? 0.25), direction: sim.direction, costs: { fees: sim.fees, slippage: sim.slippage }, sortBy: sim.sort_by },
    );
    // Signals with the thresholds the walk-forward put in force at the end, over all 60 days.
    const inForce = frame.select([rule.scores[0]!]);
    const entry = config.signal_sets.find((s) => s.generator === rule.generator)!;
    await runSection(inForce, { ...config, signal_sets: [{ ...entry, config: { ...entry.config, parameters: wf.next.params } }] }, 'signal_sets');
    const m = wf.metrics;
    const note = `${days.toFixed(0)} out-of-sample days`;
    return [
      { name: 'channel posts / day, original notifier (frequency repeats)', value: before.perDay, unit: 'posts', note: `max ${before.maxPerDay} a day; ${note}` },
      { name: 'channel posts / day, embedded default (paced)', value: after.perDay, unit: 'posts', baseline: before.perDay, baselineLabel: 'original', target: '≤ 48', note: `max ${after.maxPerDay} a day` },
      { name: 'band changes reported in a post, embedded default', value: after.reported, unit: 'changes', baseline: after.changes, baselineLabel: 'band changes', target: 'all (held ones come later)' },
      { name: 'buy signals, configured thresholds', value: share(frame.get(buyName)), unit: '% of bars', target: '0.5–5 %' },
      { name: 'sell signals, configured thresholds', value: share(frame.get(sellName)), unit: '% of bars', target: '0.5–5 %' },
      { name: `buy signals, walk-forward thresholds (${describeParameters(wf.next.params)})`, value: share(inForce.get(buyName)), unit: '% of bars', target: '0.5–5 %' },
      { name: 'sell signals, walk-forward thresholds', value: share(inForce.get(sellName)), unit: '% of bars', target: '0.5–5 %' },
      { name: `walk-forward equity return, ${wf.periods.length} periods, fee ${100 * sim.fees} %/side`, value: m.totalReturn, unit: '%', baseline: m.buyAndHold, baselineLabel: 'buy and hold', note: `${m.trades} trades, max drawdown ${m.maxDrawdown.toFixed(1)} %, ${m.months.toFixed(2)} months` },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
