import { describe, expect, it } from 'vitest';
import { measureSwitches } from '../../src/core/backtest/metrics.ts';
import { signalSwitches } from '../../src/core/backtest/switches.ts';
import { formatSpan, gridTableLines, reportLines, telegramMessages, TELEGRAM_LIMIT, tradeTableLines } from '../../src/core/backtest/report.ts';
import { expandGrid, parseGrid } from '../../src/core/backtest/grid.ts';
import { buy, price, sell, time } from './handWorked.ts';

const simulation = measureSwitches({ time, price }, signalSwitches(price, buy, sell), 'long', { fees: 0.001, slippage: 0 });
const metrics = simulation.metrics;

describe('text report', () => {
  it('shows the figures a person looks for', () => {
    const text = reportLines(metrics, { symbol: 'BTCUSDT', rule: 'trade_score ≥ 0.1 buy, ≤ -0.1 sell' }).join('\n');
    expect(text).toContain('Backtest BTCUSDT · long · 2024-01-01 00:00 → 2024-01-08 00:00');
    expect(text).toContain('Costs: fee 0.100 % per side');
    expect(text).toMatch(/Trades\s+2 /);
    expect(text).toMatch(/Win rate\s+50\.0 %/);
    expect(text).toMatch(/Max drawdown\s+11\.\d+ %/);
    expect(text).toContain('2024-01-03 00:00 → 2024-01-07 00:00');
    expect(text).toMatch(/Buy and hold\s+\+5\.00 %/);
    expect(text).toMatch(/Avg duration\s+2d 0h/);
  });

  it('lists the last trades', () => {
    expect(tradeTableLines(simulation.trades, 1)).toEqual([
      'Last 1 of 2 trades',
      'side            entry price             exit price      net',
      'long 2024-01-05 00:00 90.00 2024-01-07 00:00 80.00 -11.30 %', // (80 − 90 − 0.17) / 90
    ]);
    expect(tradeTableLines([])).toEqual([]);
  });

  it('formats durations', () => {
    expect(formatSpan(45 * 60_000)).toBe('45m');
    expect(formatSpan(5 * 3_600_000 + 20 * 60_000)).toBe('5h 20m');
    expect(formatSpan(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
    expect(formatSpan(null)).toBe('—');
  });
});

describe('Telegram messages', () => {
  it('puts the report in one monospace message with an escaped title', () => {
    const msgs = telegramMessages(reportLines(metrics, { symbol: 'BTC_USDT' }), 'Backtest BTC_USDT');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.startsWith('*Backtest BTC\\_USDT*\n```\n')).toBe(true);
    expect(msgs[0]!.endsWith('\n```')).toBe(true);
  });

  it('splits a long table into messages under 4,096 characters, losing no line', () => {
    const grid = parseGrid({ buy_signal_threshold: { start: 0, stop: 1, step: 0.001 } }, true);
    const models = expandGrid(grid).map((params) => ({ params, metrics }));
    const lines = gridTableLines(models, grid.axes, '%profit/M');
    expect(lines.length).toBe(1002);
    const msgs = telegramMessages(lines, 'Grid search');
    expect(msgs.length).toBeGreaterThan(5);
    for (const m of msgs) {
      expect(m.length).toBeLessThan(TELEGRAM_LIMIT);
      expect(m.split('```').length).toBe(3); // one opened and closed block
    }
    const body = msgs.map((m) => m.slice(m.indexOf('```\n') + 4, m.lastIndexOf('\n```'))).join('\n');
    expect(body.split('\n')).toEqual(lines);
  });

  it('cuts a line longer than a message and keeps backticks from ending the block', () => {
    const msgs = telegramMessages(['x'.repeat(10_000), 'a `b` c']);
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
    expect(msgs.join('')).toContain("a 'b' c");
  });
});
