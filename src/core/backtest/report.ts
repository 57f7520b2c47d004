import { formatTime } from '../time.ts';
import { escapeMarkdown } from '../notify/markdown.ts';
import type { GridAxis } from './grid.ts';
import type { BacktestMetrics } from './metrics.ts';
import { originalPerformance } from './originalKeys.ts';
import type { RankedModel } from './signalModelsFile.ts';
import type { Trade } from './trades.ts';

/** Telegram's limit on a message's text. */
export const TELEGRAM_LIMIT = 4096;

/** What the report says about where the figures come from. */
export interface ReportContext {
  symbol: string;
  /** e.g. "trade_score ≥ 0.1 buy, ≤ -0.15 sell". */
  rule?: string;
}

const pct = (v: number | null, digits = 2) => (v === null || !Number.isFinite(v) ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(digits)} %`);
const num = (v: number | null, digits = 2) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const day = (t: number | null) => (t === null || !Number.isFinite(t) ? '—' : formatTime(t).slice(0, 16));

/** "3d 4h", "5h 20m", "45m". */
export function formatSpan(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m`;
}

/** The report of one simulation as plain lines (a two-column table). */
export function reportLines(m: BacktestMetrics, context: ReportContext): string[] {
  const orig = originalPerformance(m);
  const rows: Array<[string, string]> = [
    ['Trades', `${m.trades}  (${num(m.tradesPerMonth)} / month)`],
    ['Win rate', `${num(m.winRate, 1)} %  (${m.profitable} of ${m.trades})`],
    ['Net profit / unit', `${num(m.netProfit)}  (gross ${num(m.grossProfit)})`],
    ['Sum of trade %', `${pct(m.netPercent)}  (gross ${pct(m.grossPercent)})`],
    ['%profit / month', pct(orig['%profit/M'])],
    ['Expectancy / trade', `${pct(m.expectancy, 3)}  (ratio ${num(m.expectancyRatio)})`],
    ['Equity return', `${pct(m.totalReturn)}  (compounded)`],
    ['Buy and hold', pct(m.buyAndHold)],
    ['CAGR', pct(m.cagr)],
    ['Max drawdown', `${num(m.maxDrawdown)} %  (${num(m.maxDrawdownAbs, 4)} of start)`],
    ['  from → to', `${day(m.drawdownStart)} → ${day(m.drawdownEnd)}`],
    ['Sharpe / Sortino', `${num(m.sharpe)} / ${num(m.sortino)}`],
    ['Calmar', num(m.calmar)],
    ['Profit factor', num(m.profitFactor)],
    ['Exposure', `${num(m.exposure, 1)} %`],
    ['Avg duration', formatSpan(m.avgDuration)],
    ['  winners / losers', `${formatSpan(m.avgWinnerDuration)} / ${formatSpan(m.avgLoserDuration)}`],
    ['Longest run won/lost', `${m.longestWinningStreak} / ${m.longestLosingStreak} trades`],
    ['Best / worst day', `${pct(m.bestDay)} / ${pct(m.worstDay)}`],
    ['Days up/flat/down', `${m.daysWon} / ${m.daysDrawn} / ${m.daysLost}`],
    ['Best / worst trade', `${pct(m.bestTrade)} / ${pct(m.worstTrade)}`],
  ];
  if (m.openPosition) {
    const o = m.openPosition;
    rows.push(['Open position', `${o.side} since ${day(o.entryTime)} at ${num(o.entryPrice)} (${pct(o.unrealisedPercent)})`]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `Backtest ${context.symbol} · ${m.direction} · ${day(m.start)} → ${day(m.end)} (${num(m.months)} months)`,
    ...(context.rule ? [`Signals: ${context.rule}`] : []),
    `Costs: fee ${num(100 * m.fees, 3)} % per side, slippage ${num(100 * m.slippage, 3)} %`,
    '',
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
  ];
}

/** The stored models of a grid search as a table, best first. */
export function gridTableLines(models: RankedModel[], axes: GridAxis[], sortBy: string): string[] {
  const keys = axes.filter((a) => models.some((m) => m.params[a.key] !== null && m.params[a.key] !== undefined)).map((a) => a.key);
  const short = (k: string) => k.replace('_signal_threshold', '');
  const header = [...keys.map(short), '#tr', '%profit', '%prof/M', 'win%', 'maxDD%', 'sharpe', 'calmar', 'PF'];
  const body = models.map((m) => {
    const o = originalPerformance(m.metrics);
    return [
      ...keys.map((k) => fmtParam(m.params[k])),
      String(o['#transactions']),
      o['%profit'].toFixed(1),
      o['%profit/M'].toFixed(2),
      m.metrics.winRate.toFixed(1),
      m.metrics.maxDrawdown.toFixed(1),
      num(m.metrics.sharpe),
      num(m.metrics.calmar),
      num(m.metrics.profitFactor),
    ];
  });
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j]!)).join(' ');
  return [`Top ${models.length} by ${sortBy}`, line(header), ...body.map(line)];
}

/** The last `count` trades, newest last: side, entry and exit time and price, net %. */
export function tradeTableLines(trades: Trade[], count = 10): string[] {
  if (!trades.length) return [];
  const shown = trades.slice(-count);
  const rows = shown.map((t) => [t.side, day(t.entryTime), num(t.entryPrice), day(t.exitTime), num(t.exitPrice), pct(t.netPercent)]);
  const header = ['side', 'entry', 'price', 'exit', 'price', 'net'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join(' ');
  return [`Last ${shown.length} of ${trades.length} trades`, line(header), ...rows.map(line)];
}

function fmtParam(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return String(Number(v.toPrecision(10)));
}

/**
 * Lines as Telegram messages (legacy Markdown): an optional bold title, then the lines in a
 * monospace block, split so that no message is longer than Telegram allows.
 */
export function telegramMessages(lines: string[], title?: string, limit = TELEGRAM_LIMIT): string[] {
  const open = '```\n';
  const close = '\n```';
  const messages: string[] = [];
  let head = title ? `*${escapeMarkdown(title)}*\n` : '';
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length) messages.push(`${head}${open}${chunk.join('\n')}${close}`);
    head = '';
    chunk = [];
    size = 0;
  };
  for (const raw of lines) {
    // A backtick would end the block; a line longer than a message is cut.
    let text = raw.replace(/`/g, "'");
    const room = limit - open.length - close.length - (title ? escapeMarkdown(title).length + 3 : 0);
    if (text.length > room) text = `${text.slice(0, room - 1)}…`;
    if (chunk.length && head.length + open.length + size + 1 + text.length + close.length > limit) flush();
    chunk.push(text);
    size += (chunk.length > 1 ? 1 : 0) + text.length;
  }
  flush();
  return messages;
}
