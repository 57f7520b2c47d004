import { UserError } from '../errors.ts';
import { formatTime, parseTime } from '../time.ts';
import { GRID_KEYS, type GridParams } from './grid.ts';
import { originalPerformance, type OriginalKey } from './originalKeys.ts';
import type { ScoreRule } from './scoreRule.ts';
import type { WalkForwardResult } from './walkForwardThresholds.ts';

/**
 * What `itb simulate` writes to `<signal_models>.walk-forward.json` after a walk-forward run:
 * the out-of-sample result beside buy-and-hold, each period's thresholds, and the thresholds
 * fitted on the last training window, which a threshold rule with `"parameters_from":
 * "walk_forward"` puts in force.
 */
export interface WalkForwardRecord {
  version: 1;
  /** When the run was made (ISO). */
  created: string;
  symbol: string;
  generator: ScoreRule['generator'];
  scores: string[];
  direction: string;
  fees: number;
  slippage: number;
  sort_by: string;
  train_months: number;
  test_months: number;
  combinations: number;
  /** The chained test periods: their figures (buyAndHold over the same rows). */
  out_of_sample: Record<string, unknown> & { start: string; end: string; months: number; trades: number; totalReturn: number; buyAndHold: number; maxDrawdown: number };
  periods: Array<{ train: [string, string]; test: [string, string]; parameters: GridParams; in_sample: Record<OriginalKey, number> }>;
  /** For the bars after the data: fitted on its last training window. */
  thresholds: { parameters: GridParams; train: [string, string]; in_sample: Record<OriginalKey, number> };
}

/** Metrics with times as text and non-finite values as null (JSON has neither). */
export function metricsForJson(m: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else out[k] = v;
  }
  for (const k of ['start', 'end', 'drawdownStart', 'drawdownEnd']) {
    const v = out[k];
    if (typeof v === 'number') out[k] = formatTime(v);
  }
  const open = out.openPosition as { entryTime: number } | null;
  if (open) out.openPosition = { ...open, entryTime: formatTime(open.entryTime) };
  return out;
}

export interface WalkForwardRunInfo {
  created: Date;
  symbol: string;
  rule: ScoreRule;
  direction: string;
  fees: number;
  slippage: number;
  sortBy: string;
  trainMonths: number;
  testMonths: number;
  combinations: number;
}

/** The record of a run over rows with times `time`. */
export function walkForwardRecord(result: WalkForwardResult, time: Float64Array, info: WalkForwardRunInfo): WalkForwardRecord {
  const span = (s: { start: number; end: number }): [string, string] => [formatTime(time[s.start]!), formatTime(time[s.end - 1]!)];
  return {
    version: 1,
    created: info.created.toISOString(),
    symbol: info.symbol,
    generator: info.rule.generator,
    scores: info.rule.scores,
    direction: info.direction,
    fees: info.fees,
    slippage: info.slippage,
    sort_by: info.sortBy,
    train_months: info.trainMonths,
    test_months: info.testMonths,
    combinations: info.combinations,
    out_of_sample: metricsForJson(result.metrics) as WalkForwardRecord['out_of_sample'],
    periods: result.periods.map((p) => ({ train: span(p.train), test: span(p.test), parameters: p.params, in_sample: originalPerformance(p.inSample) })),
    thresholds: { parameters: result.next.params, train: span(result.next.train), in_sample: originalPerformance(result.next.inSample) },
  };
}

/** Reads a record back; anything else is one sentence naming the file. */
export function parseWalkForwardRecord(text: string, file: string): WalkForwardRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not JSON; run \`itb simulate\` again to rewrite it`);
  }
  const r = raw as Partial<WalkForwardRecord>;
  const params = r?.thresholds?.parameters;
  const ok =
    r?.version === 1 &&
    (r.generator === 'threshold_rule' || r.generator === 'threshold_rule2') &&
    Array.isArray(r.scores) &&
    params !== null &&
    typeof params === 'object' &&
    Object.entries(params).every(([k, v]) => (GRID_KEYS as readonly string[]).includes(k) && (v === null || typeof v === 'number')) &&
    Array.isArray(r.thresholds?.train) &&
    r.thresholds.train.every((t) => typeof t === 'string') &&
    typeof r.created === 'string' &&
    typeof r.out_of_sample?.start === 'string' &&
    typeof r.out_of_sample.end === 'string' &&
    Array.isArray(r.periods);
  if (!ok) throw new UserError(`${file} is not a walk-forward record of this version; run \`itb simulate\` again to rewrite it`);
  return r as WalkForwardRecord;
}

const signed = (v: unknown, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? `${v > 0 ? '+' : ''}${v.toFixed(digits)} %` : '—');

/** "buy ≥ 0.02, sell ≤ -0.03" (and the second score's thresholds of threshold_rule2). */
export function describeParameters(p: GridParams): string {
  const parts: string[] = [];
  if (typeof p.buy_signal_threshold === 'number') parts.push(`buy ≥ ${p.buy_signal_threshold}`);
  if (typeof p.buy_signal_threshold_2 === 'number') parts.push(`buy2 ≥ ${p.buy_signal_threshold_2}`);
  if (typeof p.sell_signal_threshold === 'number') parts.push(`sell ≤ ${p.sell_signal_threshold}`);
  if (typeof p.sell_signal_threshold_2 === 'number') parts.push(`sell2 ≤ ${p.sell_signal_threshold_2}`);
  return parts.join(', ');
}

/**
 * The walk-forward result in a few lines, beside buy-and-hold: what /backtest and `itb simulate`
 * print. Only out-of-sample figures: every period's thresholds were fitted before its rows.
 */
export function walkForwardSummaryLines(r: WalkForwardRecord): string[] {
  const o = r.out_of_sample;
  const day = (s: string) => s.slice(0, 16);
  const num = (v: unknown, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
  return [
    `Walk-forward (out of sample) ${r.symbol} · ${r.direction} · ${day(o.start)} → ${day(o.end)} (${num(o.months)} months)`,
    `  ${r.periods.length} periods of ${r.test_months} months, thresholds of each fitted on the ${r.train_months} months before it by ${r.sort_by}, fee ${num(100 * r.fees, 3)} % per side`,
    `  Equity return ${signed(o.totalReturn)}  ·  buy and hold ${signed(o.buyAndHold)}`,
    `  Trades ${o.trades}, win rate ${num(o.winRate, 1)} %, max drawdown ${num(o.maxDrawdown)} %, Sharpe ${num(o.sharpe)}`,
    `  Thresholds in force: ${describeParameters(r.thresholds.parameters)} (fitted on ${day(r.thresholds.train[0])} → ${day(r.thresholds.train[1])}; run of ${r.created.slice(0, 16).replace('T', ' ')} UTC)`,
  ];
}

/** Epoch ms of the first and last row the thresholds in force were fitted on. */
export function thresholdsFitWindow(r: WalkForwardRecord): [number, number] {
  return [parseTime(r.thresholds.train[0]), parseTime(r.thresholds.train[1])];
}

/** The period table of a run: test span, thresholds, in-sample %profit of the training window. */
export function walkForwardPeriodLines(r: WalkForwardRecord): string[] {
  const rows = r.periods.map((p, i) => [String(i + 1), `${p.test[0].slice(0, 16)} → ${p.test[1].slice(0, 16)}`, describeParameters(p.parameters), signed(p.in_sample['%profit'], 1)]);
  const header = ['#', 'test period', 'thresholds (fitted on the months before)', 'in-sample %profit'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
