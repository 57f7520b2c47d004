import { UserError } from '../../shared/errors.ts';
import { DAY } from '../time.ts';
import { lowerBound } from '../frame.ts';
import { returnCalendar } from './calendar.ts';
import type { GridData } from './gridKernel.ts';
import type { GridParams } from './grid.ts';
import { evaluateRules } from './gridSearch.ts';
import { measureSwitches, MONTH_MS, type BacktestMetrics } from './metrics.ts';
import { rankBy } from './ranking.ts';
import { maskScoresByPrice, type ThresholdRule } from './thresholdSwitches.ts';
import type { Direction, Trade, TradeCosts } from './trades.ts';

/** Rows [start, end) of the data. */
export interface RowSpan {
  start: number;
  end: number;
}

/** One walk-forward period: thresholds fitted on `train`, applied to `test` (the rows right after it). */
export interface WalkForwardPeriod {
  train: RowSpan;
  test: RowSpan;
  params: GridParams;
  rule: ThresholdRule;
  /** The fitted combination's figures on its training rows (in-sample: what it was chosen for). */
  inSample: BacktestMetrics;
}

export interface WalkForwardResult {
  periods: WalkForwardPeriod[];
  /** The test periods chained: rows [first test start, last test end). */
  span: RowSpan;
  /** Out-of-sample figures of the chained test periods (buyAndHold is over the same rows). */
  metrics: BacktestMetrics;
  trades: Trade[];
  /** Switch rows of the chained run, relative to span.start. */
  switches: Int32Array;
  /** Thresholds fitted on the last training window of the data: the ones for the bars to come. */
  next: { train: RowSpan; params: GridParams; rule: ThresholdRule; inSample: BacktestMetrics };
}

export interface WalkForwardOptions {
  /** Length of the training window and of a test period, ms. */
  trainMs: number;
  testMs: number;
  direction: Direction;
  costs: TradeCosts;
  /** The metric the best combination is chosen by (simulate_model.sort_by). */
  sortBy: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Months (365/12 days, the original's) → ms. */
export function monthsToMs(months: number): number {
  return months * MONTH_MS;
}

/**
 * The periods of a walk-forward over `time`: the first test period starts `trainMs` after the
 * first row, each next one `testMs` later (the last may be shorter); each trains on the rows of
 * the `trainMs` before its first row, and on nothing at or after it.
 */
export function walkForwardPlan(time: Float64Array, trainMs: number, testMs: number): Array<{ train: RowSpan; test: RowSpan }> {
  const n = time.length;
  if (!(trainMs > 0) || !(testMs > 0)) throw new UserError('simulate_model.walk_forward: train_months and test_months must be greater than 0');
  const plan: Array<{ train: RowSpan; test: RowSpan }> = [];
  for (let from = time[0]! + trainMs; n && from <= time[n - 1]!; from += testMs) {
    const testStart = lowerBound(time, from);
    const testEnd = lowerBound(time, from + testMs);
    if (testEnd <= testStart) continue; // a gap in the data covers this period
    const train = { start: lowerBound(time, from - trainMs), end: testStart };
    if (train.end - train.start < 2) continue;
    plan.push({ train, test: { start: testStart, end: testEnd } });
  }
  if (!plan.length) {
    const days = n ? (time[n - 1]! - time[0]!) / DAY : 0;
    throw new UserError(
      `simulate_model.walk_forward: the signals span ${days.toFixed(1)} days, too short for a training window of ${(trainMs / DAY).toFixed(1)} days and a test period after it`,
    );
  }
  return plan;
}

function slice(data: GridData, span: RowSpan): GridData {
  const s = (a: Float64Array) => a.subarray(span.start, span.end);
  return { time: s(data.time), price: s(data.price), score: s(data.score), score2: data.score2 && s(data.score2) };
}

/** Grid-searches the rules on the rows of `span` only; the best by `sortBy` (ties: the grid's order). */
async function fit(data: GridData, span: RowSpan, combos: GridParams[], rules: ThresholdRule[], o: WalkForwardOptions) {
  const results = await evaluateRules(slice(data, span), rules, { direction: o.direction, costs: o.costs, signal: o.signal });
  const ranked = rankBy(
    combos.map((params, i) => ({ params, rule: rules[i]!, metrics: results[i]! })),
    o.sortBy,
  );
  return ranked[0]!;
}

/**
 * Walk-forward thresholds: for each test period the grid's best combination on the training
 * window before it (with the costs), applied to the test period; the test periods chained into
 * one run whose position carries over a period boundary (the next period's thresholds close it),
 * measured beside buy-and-hold over the same rows. A period's choice never reads its own rows.
 */
export async function walkForwardThresholds(data: GridData, combos: GridParams[], rules: ThresholdRule[], o: WalkForwardOptions): Promise<WalkForwardResult> {
  const plan = walkForwardPlan(data.time, o.trainMs, o.testMs);
  const n = data.time.length;
  const lastTrain = { start: lowerBound(data.time, data.time[n - 1]! - o.trainMs + 1), end: n };
  const total = plan.length + 1;
  const periods: WalkForwardPeriod[] = [];
  for (const [k, p] of plan.entries()) {
    if (o.signal?.aborted) throw new UserError('the walk-forward run was cancelled');
    const best = await fit(data, p.train, combos, rules, o);
    periods.push({ train: p.train, test: p.test, params: best.params, rule: best.rule, inSample: best.metrics });
    o.onProgress?.(k + 1, total);
  }
  const nextFit = await fit(data, lastTrain, combos, rules, o);
  o.onProgress?.(total, total);

  const span = { start: periods[0]!.test.start, end: periods[periods.length - 1]!.test.end };
  const oos = slice(data, span);
  const switches = chainedSwitches(
    oos,
    periods.map((p) => ({ end: p.test.end - span.start, rule: p.rule })),
  );
  const { metrics, trades } = measureSwitches(oos, switches, o.direction, o.costs, returnCalendar(oos.time));
  return { periods, span, metrics, trades, switches, next: { train: lastTrain, params: nextFit.params, rule: nextFit.rule, inSample: nextFit.metrics } };
}


/**
 * The switches of threshold_rule / threshold_rule2 (see thresholdSwitches) when the thresholds
 * change along the rows: rows before `segments[k].end` (and after the previous segment) use
 * `segments[k].rule`. The state (waiting for a buy or a sell) carries over the boundaries.
 */
export function chainedSwitches(data: GridData, segments: Array<{ end: number; rule: ThresholdRule }>): Int32Array {
  const score = maskScoresByPrice(data.price, data.score);
  const score2 = data.score2 && maskScoresByPrice(data.price, data.score2);
  const out: number[] = [];
  let waitingForBuy = true;
  let i = 0;
  for (const { end, rule } of segments) {
    const buy2 = rule.buy2 ?? NaN;
    const sell2 = rule.sell2 ?? NaN;
    for (; i < end; i++) {
      const s = score[i]!;
      const hit = waitingForBuy
        ? s >= rule.buy && (!score2 || score2[i]! >= buy2)
        : s <= rule.sell && (!score2 || score2[i]! <= sell2);
      if (hit) {
        out.push(i);
        waitingForBuy = !waitingForBuy;
      }
    }
  }
  return Int32Array.from(out);
}
