import fs from 'node:fs';
import type { Config } from '../config/schema.ts';
import { stageFile, symbolFolder } from '../config/load.ts';
import { UserError } from '../shared/errors.ts';
import type { Frame } from '../core/frame.ts';
import { DAY, HOUR, MINUTE, parseFreq, parseTime } from '../core/time.ts';
import { returnCalendar } from '../core/backtest/calendar.ts';
import { truncateRows } from '../core/backtest/dataWindow.ts';
import { scanEquity } from '../core/backtest/equity.ts';
import { GRID_KEYS, type GridParams } from '../core/backtest/grid.ts';
import { measureSwitches, type BacktestMetrics } from '../core/backtest/metrics.ts';
import { reportLines, telegramMessages, tradeTableLines } from '../core/backtest/report.ts';
import { findScoreRule, thresholdsFor, type ScoreRule } from '../core/backtest/scoreRule.ts';
import { thresholdSwitches, type ThresholdRule } from '../core/backtest/thresholdSwitches.ts';
import type { Direction, Trade, TradeCosts } from '../core/backtest/trades.ts';
import { renderBacktestChart } from '../charts/backtestChart.ts';
import { resolveDataFile } from '../storage/csv.ts';
import { readTable } from '../storage/table.ts';
import type { ProgressEvent } from '../shared/progress.ts';
import { runSection } from '../core/generators/index.ts';
import { loadSectionGenerators } from '../storage/userModules.ts';
import { signalCalibration } from '../models/modelSet.ts';
import { thresholdsFitWindow, walkForwardSummaryLines } from '../core/backtest/walkForwardFile.ts';
import { FROM_WALK_FORWARD, walkForwardFor, withThresholdsInForce } from './walkForward.ts';

export interface BacktestOptions {
  /** First row: a date ("2025-01-01", "2025-01-01 12:00") or epoch ms. */
  from?: string | number;
  /** End (exclusive): a date or epoch ms. */
  to?: string | number;
  /** The last span of the data, e.g. "30d", "12h", "2w", "3m" (months of 30 days), instead of from. Without from/to/last: simulate_model's data_start/data_end. */
  last?: string;
  /** Thresholds over the configured ones: buy_signal_threshold … or the short names buy, sell, buy2, sell2. */
  params?: Record<string, number>;
  direction?: Direction;
  /** Only bars closed by this time (epoch ms) are used: a replay's clock, so nothing from candles after it. */
  until?: number;
  /**
   * The bars the service scored after signals.csv's last row (its `close` and score columns), from
   * the time given: they continue signals.csv up to the newest bar.
   */
  scoredAfter?: (lastTime: number, columns: string[]) => Frame;
}

export interface BacktestResult {
  /** Telegram messages (legacy Markdown), each under 4,096 characters. */
  text: string[];
  /** The same report as plain lines, for the terminal. */
  plain: string[];
  /** Price with the signals, score with thresholds, equity with drawdowns. */
  chartPng: Buffer;
  metrics: BacktestMetrics;
  trades: Trade[];
  thresholds: ThresholdRule;
}

/**
 * The backtest behind the bot's /backtest: simulates the configured threshold rule on
 * signals.csv (or predictions.csv, computing the signal_sets) over a period, with the
 * configured costs, and returns the report, the chart and the metrics.
 */
export async function runBacktest(given: Config, options: BacktestOptions = {}): Promise<BacktestResult> {
  const config = withThresholdsInForce(given);
  const rule = findScoreRule(config.signal_sets, config.simulate_model.signal_generator);
  let all = await loadSignalFrame(config);
  if (options.scoredAfter) all = all.appendReplacing(options.scoredAfter(all.length ? all.time[all.length - 1]! : -Infinity, rule.scores));
  if (options.until !== undefined) all = all.slice(0, all.lowerBound(options.until - parseFreq(config.freq).ms + 1));
  const periodGiven = options.from !== undefined || options.to !== undefined || options.last !== undefined;
  const frame = periodGiven ? selectPeriod(all, options) : simulateWindow(all, config);
  if (frame.length < 2) throw new UserError('the chosen period has fewer than two rows of signals; choose a longer one');
  const thresholds = thresholdsFor(rule, normaliseParams(options.params ?? {}));
  const direction = options.direction ?? config.simulate_model.direction;
  const costs: TradeCosts = { fees: config.simulate_model.fees, slippage: config.simulate_model.slippage };
  const data = scoreData(frame, rule);
  const switches = thresholdSwitches(data.price, data.score, thresholds, data.score2).slice();
  const calendar = returnCalendar(frame.time);
  const { metrics, trades } = measureSwitches(data, switches, direction, costs, calendar);
  const equity = new Float64Array(frame.length);
  scanEquity(data.price, switches, direction, costs, calendar, equity);

  const ruleText = describeRule(rule, thresholds);
  const recent = tradeTableLines(trades, 10);
  const wf = walkForwardLines(config, rule, metrics, !options.params);
  const plain = [...wf.warning, ...reportLines(metrics, { symbol: config.symbol, rule: ruleText }), ...wf.summary, ...(recent.length ? ['', ...recent] : [])];
  const chartPng = chartOfSimulation(frame, rule, thresholds, switches, equity, `${config.symbol} · ${direction} · ${ruleText}`);
  return { text: telegramMessages(plain, `Backtest ${config.symbol}`), plain, chartPng, metrics, trades, thresholds };
}

/**
 * The last walk-forward run of this rule, to go beside the report (out-of-sample figures and
 * buy-and-hold), and a warning to go first when the thresholds in force were fitted on rows of
 * this period (the report's figures are then in sample).
 */
function walkForwardLines(config: Config, rule: ScoreRule, m: BacktestMetrics, configuredThresholds: boolean): { warning: string[]; summary: string[] } {
  const record = walkForwardFor(config, rule);
  if (!record) return { warning: [], summary: [] };
  const entry = config.signal_sets.find((s) => s.generator === rule.generator);
  const [from, to] = thresholdsFitWindow(record);
  const overlaps = configuredThresholds && entry?.config.parameters_from === FROM_WALK_FORWARD && m.start <= to && m.end >= from;
  const fitted = `${record.thresholds.train[0].slice(0, 16)} → ${record.thresholds.train[1].slice(0, 16)}`;
  return {
    warning: overlaps ? [`In sample: the thresholds in force were fitted on ${fitted}, which this period overlaps; the walk-forward figures at the end are out of sample.`, ''] : [],
    summary: ['', ...walkForwardSummaryLines(record)],
  };
}

/** The backtest picture of one simulation: signals on the price, the score(s) with their thresholds, the equity. */
export function chartOfSimulation(frame: Frame, rule: ScoreRule, t: ThresholdRule, switches: Int32Array, equity: Float64Array, title: string): Buffer {
  const [s1, s2] = rule.scores;
  const thresholds: Array<{ value: number; label: string; color?: string }> = [
    { value: t.buy, label: `${s2 ? `${s1} ` : ''}buy ≥ ${t.buy}` },
    { value: t.sell, label: `${s2 ? `${s1} ` : ''}sell ≤ ${t.sell}` },
  ];
  if (s2 !== undefined && t.buy2 !== undefined && t.sell2 !== undefined) {
    thresholds.push({ value: t.buy2, label: `${s2} buy ≥ ${t.buy2}`, color: '#7fbf7f' }, { value: t.sell2, label: `${s2} sell ≤ ${t.sell2}`, color: '#e08080' });
  }
  return renderBacktestChart({
    time: frame.time,
    price: frame.get('close'),
    buys: switches.filter((_, k) => k % 2 === 0),
    sells: switches.filter((_, k) => k % 2 === 1),
    scores: rule.scores.map((name) => ({ name, values: frame.get(name) })),
    thresholds,
    equity,
    title,
  });
}

/** Close and score columns of a signals frame, as the simulation reads them. */
export function scoreData(frame: Frame, rule: ScoreRule): { time: Float64Array; price: Float64Array; score: Float64Array; score2?: Float64Array } {
  return {
    time: frame.time,
    price: frame.get('close'),
    score: frame.get(rule.scores[0]!),
    score2: rule.scores[1] === undefined ? undefined : frame.get(rule.scores[1]),
  };
}

/** "trade_score ≥ 0.1 buy, ≤ -0.15 sell". */
export function describeRule(rule: ScoreRule, t: ThresholdRule): string {
  const [s1, s2] = rule.scores;
  if (s2 === undefined) return `${s1} ≥ ${t.buy} buy, ≤ ${t.sell} sell`;
  return `${s1} ≥ ${t.buy} & ${s2} ≥ ${t.buy2} buy, ${s1} ≤ ${t.sell} & ${s2} ≤ ${t.sell2} sell`;
}

const SHORT_NAMES: Record<string, string> = { buy: 'buy_signal_threshold', sell: 'sell_signal_threshold', buy2: 'buy_signal_threshold_2', sell2: 'sell_signal_threshold_2' };

function normaliseParams(params: Record<string, number>): GridParams {
  const out: GridParams = {};
  for (const [k, v] of Object.entries(params)) {
    const key = SHORT_NAMES[k] ?? k;
    if (!(GRID_KEYS as readonly string[]).includes(key)) {
      throw new UserError(`"${k}" is not a threshold (use buy, sell, buy2, sell2 or ${GRID_KEYS.join(', ')})`);
    }
    if (!Number.isFinite(v)) throw new UserError(`${k} must be a number`);
    out[key as (typeof GRID_KEYS)[number]] = v;
  }
  return out;
}

/**
 * Reads signals.csv from the symbol folder (`only`: just those of these columns); without it,
 * predictions.csv with the signal_sets computed on it. A missing file names the command that makes it.
 */
export async function loadSignalFrame(config: Config, only?: string[]): Promise<Frame> {
  const signals = resolveDataFile(stageFile(config, config.signal_file_name));
  if (fs.existsSync(signals)) return readTable(signals, { timeColumn: config.time_column, only });
  const predictions = resolveDataFile(stageFile(config, config.predict_file_name));
  if (fs.existsSync(predictions)) {
    const frame = await readTable(predictions, { timeColumn: config.time_column });
    await loadSectionGenerators(config.signal_sets, 'signal_sets');
    await runSection(frame, config, 'signal_sets', { calibration: await signalCalibration(config) });
    return frame;
  }
  throw new UserError(
    `${config.signal_file_name} is not in ${symbolFolder(config)}; create it with \`itb signals -c CONFIG\` (after \`itb predict\`)`,
  );
}

/** Units of a period; "m" is a month of 30 days (a backtest over minutes says "min"). */
const SPAN_UNITS: Record<string, number> = { min: MINUTE, h: HOUR, d: DAY, w: 7 * DAY, m: 30 * DAY };

/** "30d", "12h", "8w", "3m" → ms; NaN when it is not a span. */
export function parseSpan(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(min|m|h|d|w)\s*$/i.exec(text);
  return m ? Number(m[1]) * SPAN_UNITS[m[2]!.toLowerCase()]! : NaN;
}

function timeOption(v: string | number, what: string): number {
  const t = typeof v === 'number' ? v : parseTime(v);
  if (!Number.isFinite(t)) throw new UserError(`${what} "${v}" is not a date (expected e.g. 2025-01-31 or 2025-01-31 12:00)`);
  return t;
}

function selectPeriod(frame: Frame, options: BacktestOptions): Frame {
  let from = 0;
  let to = frame.length;
  if (options.to !== undefined) to = frame.lowerBound(timeOption(options.to, 'the end'));
  if (options.last !== undefined) {
    const span = parseSpan(options.last);
    if (!Number.isFinite(span)) throw new UserError(`period "${options.last}" is not a span (expected e.g. 12h, 30d, 8w)`);
    const end = to > 0 ? frame.time[to - 1]! : 0;
    from = frame.lowerBound(end - span);
  }
  if (options.from !== undefined) {
    const start = timeOption(options.from, 'the start');
    if (options.to !== undefined && start > timeOption(options.to, 'the end')) {
      throw new UserError(`the period ${options.from}..${options.to} is reversed: it starts after it ends (write ${options.to}..${options.from})`);
    }
    from = frame.lowerBound(start);
  }
  if (options.from === undefined && options.last === undefined && options.to === undefined) return frame;
  return frame.slice(from, Math.max(from, to));
}

/** The simulate_model data window (data_start / data_end). */
export function simulateWindow(frame: Frame, config: Config): Frame {
  return truncateRows(frame, config.simulate_model.data_start, config.simulate_model.data_end, 'simulate_model');
}

/** `/backtest [period] [key=value…] [long|short|both]` arguments → options. */
export function parseBacktestArgs(args: string[]): BacktestOptions {
  const options: BacktestOptions = {};
  const params: Record<string, number> = {};
  for (const arg of args) {
    const a = arg.trim();
    if (!a) continue;
    const kv = /^([a-z_0-9]+)=(.*)$/i.exec(a);
    if (kv) {
      const key = kv[1]!;
      const value = kv[2]!;
      if (key === 'from' || key === 'to') options[key] = value;
      else {
        const v = Number(value);
        if (value.trim() === '' || !Number.isFinite(v)) throw new UserError(`${key}=${value}: the value must be a number`);
        params[key] = v;
      }
    } else if (a === 'long' || a === 'short' || a === 'both') options.direction = a;
    else if (Number.isFinite(parseSpan(a))) options.last = a;
    else if (a.includes('..')) {
      const [from, to] = a.split('..');
      if (from) options.from = from;
      if (to) options.to = to;
    } else if (Number.isFinite(parseTime(a))) options.from = a;
    else throw new UserError(`"${a}" is not understood (usage: /backtest [30d | 2025-01-01..2025-02-01] [buy=0.1 sell=-0.1] [long|short|both])`);
  }
  if (Object.keys(params).length) {
    normaliseParams(params);
    options.params = params;
  }
  return options;
}

/** What the bot's /backtest hands over: the period as typed and name=value parameters. */
export interface BacktestJobRequest {
  period?: string;
  params: Record<string, string>;
}

/**
 * /backtest for the bot's job runner: the report as plain text (the summary), the chart, and
 * the whole result. `params` takes the threshold names and `direction`.
 */
export async function backtestJob(
  config: Config,
  request: BacktestJobRequest,
  progress?: (ev: ProgressEvent) => void,
  signal?: AbortSignal,
  data: Pick<BacktestOptions, 'until' | 'scoredAfter'> = {},
): Promise<{ summary: string; png: Uint8Array; result: BacktestResult }> {
  const args = [
    ...(request.period ? [request.period] : []),
    ...Object.entries(request.params).map(([k, v]) => (k === 'direction' ? v.trim() : `${k}=${v}`)),
  ];
  const options = { ...parseBacktestArgs(args), ...data };
  progress?.({ stage: 'backtest', done: 0, total: 1, unit: 'runs' });
  const result = await runBacktest(config, options);
  if (signal?.aborted) throw new UserError('the backtest was cancelled');
  progress?.({ stage: 'backtest', done: 1, total: 1, unit: 'runs' });
  return { summary: result.plain.join('\n'), png: result.chartPng, result };
}
