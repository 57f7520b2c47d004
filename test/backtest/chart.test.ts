import { describe, expect, it } from 'vitest';
import { renderBacktestChart, BACKTEST_CHART_SIZE } from '../../src/charts/backtestChart.ts';
import { renderPriceChart } from '../../src/charts/priceChart.ts';
import { renderScoreChart } from '../../src/charts/scoreChart.ts';
import { renderEquityChart } from '../../src/charts/equityChart.ts';
import { pickRows, roundTimeTicks } from '../../src/charts/series.ts';
import { returnCalendar } from '../../src/core/backtest/calendar.ts';
import { scanEquity } from '../../src/core/backtest/equity.ts';
import { thresholdSwitches } from '../../src/core/backtest/thresholdSwitches.ts';
import { sampleWithScores } from './realScore.ts';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(buf.toString('latin1', 12, 16)).toBe('IHDR');
  expect(buf.subarray(-8, -4).toString('latin1')).toBe('IEND');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('charts', () => {
  const frame = sampleWithScores().tail(3 * 1440);
  const price = frame.get('close');
  const score = frame.get('trade_score');
  const switches = thresholdSwitches(price, score, { buy: 0.15, sell: -0.15 }).slice();
  const equity = new Float64Array(frame.length);
  scanEquity(price, switches, 'long', { fees: 0.001, slippage: 0 }, returnCalendar(frame.time), equity);

  it('renders the backtest picture as a PNG of the expected size, with real content', () => {
    const png = renderBacktestChart({
      time: frame.time,
      price,
      buys: switches.filter((_, k) => k % 2 === 0),
      sells: switches.filter((_, k) => k % 2 === 1),
      scores: [{ name: 'trade_score', values: score }],
      thresholds: [
        { value: 0.15, label: 'buy' },
        { value: -0.15, label: 'sell' },
      ],
      equity,
      title: 'BTCUSDT test',
    });
    expect(pngSize(png)).toEqual({ width: BACKTEST_CHART_SIZE.width, height: BACKTEST_CHART_SIZE.height });
    expect(png.length).toBeGreaterThan(30_000); // lines, markers and text, not a blank canvas
  });

  it('renders each panel alone at the asked size', () => {
    expect(pngSize(renderPriceChart({ time: frame.time, price, buys: [10], sells: [20] }, 640, 320))).toEqual({ width: 640, height: 320 });
    expect(pngSize(renderScoreChart({ time: frame.time, scores: [{ name: 's', values: score }], thresholds: [{ value: 0.1, label: 'buy' }] }, 500, 200))).toEqual({ width: 500, height: 200 });
    expect(pngSize(renderEquityChart({ time: frame.time, equity }, 700, 250))).toEqual({ width: 700, height: 250 });
  });

  it('keeps the extremes when it thins a long series', () => {
    const v = Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 1000));
    v[54_321] = 5;
    v[12_345] = -5;
    const rows = pickRows(v, 500);
    expect(rows.length).toBeLessThanOrEqual(1000);
    expect(Array.from(rows)).toContain(54_321);
    expect(Array.from(rows)).toContain(12_345);
    for (let j = 1; j < rows.length; j++) expect(rows[j]!).toBeGreaterThan(rows[j - 1]!);
  });

  it('puts the date ticks on round UTC times', () => {
    const t0 = Date.UTC(2025, 10, 28, 23, 59);
    expect(roundTimeTicks(t0, t0 + 2 * 86_400_000)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => Date.UTC(2025, 10, 29) + (k - 1) * 6 * 3_600_000));
    expect(roundTimeTicks(0, 90 * 86_400_000).every((t) => t % (14 * 86_400_000) === 0)).toBe(true);
  });
});
