import { describe, expect, it } from 'vitest';
import { signalSwitches } from '../../src/core/backtest/switches.ts';
import { measureSwitches, riskRatios } from '../../src/core/backtest/metrics.ts';
import { originalPerformance } from '../../src/core/backtest/originalKeys.ts';
import { returnCalendar } from '../../src/core/backtest/calendar.ts';
import { scanEquity } from '../../src/core/backtest/equity.ts';
import { DAY } from '../../src/core/time.ts';
import type { Direction, TradeCosts } from '../../src/core/backtest/trades.ts';
import { buy, day, price, sell, time } from './handWorked.ts';

const NO_COSTS: TradeCosts = { fees: 0, slippage: 0 };
const run = (direction: Direction, costs: TradeCosts = NO_COSTS) => measureSwitches({ time, price }, signalSwitches(price, buy, sell), direction, costs);
const equityOf = (direction: Direction, costs: TradeCosts = NO_COSTS) => {
  const curve = new Float64Array(time.length);
  scanEquity(price, signalSwitches(price, buy, sell), direction, costs, returnCalendar(time), curve);
  return Array.from(curve);
};
/** Sharpe and Sortino as defined in the docs: daily returns, risk-free 0, √365. */
function handRatios(r: number[]) {
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
  const down = Math.sqrt(r.reduce((a, b) => a + (b < 0 ? b * b : 0), 0) / r.length);
  return { sharpe: (mean / std) * Math.sqrt(365), sortino: (mean / down) * Math.sqrt(365) };
}
const YEARS = 7 / 365;
const MONTHS = 7 / (365 / 12);

describe('the state machine', () => {
  it('switches at the first buy, then alternates, skipping rows priced 0', () => {
    expect(Array.from(signalSwitches(price, buy, sell))).toEqual([0, 2, 4, 6]);
  });

  it('ignores a sell before the first buy and a signal on a NaN price', () => {
    const p = Float64Array.from([100, NaN, 100, 110, 120]);
    const b = Float64Array.from([0, 1, 0, 1, 0]);
    const s = Float64Array.from([1, 0, 1, 0, 1]);
    expect(Array.from(signalSwitches(p, b, s))).toEqual([3, 4]);
  });

  it('treats a missing (NaN) signal as no signal', () => {
    const p = Float64Array.from([100, 101, 102]);
    expect(Array.from(signalSwitches(p, Float64Array.from([NaN, 1, 0]), Float64Array.from([0, 0, NaN])))).toEqual([1]);
  });
});

describe('long, no fees', () => {
  const { metrics: m, trades } = run('long');

  it('makes the two long trades', () => {
    expect(trades.map((t) => [t.side, t.entryIndex, t.exitIndex, t.grossProfit])).toEqual([
      ['long', 0, 2, 20],
      ['long', 4, 6, -10],
    ]);
    expect(trades[1]!.grossPercent).toBeCloseTo(-100 / 9, 12);
    expect(m.openPosition).toBeNull();
  });

  it('gives the original keys, rounded as the original rounds', () => {
    expect(originalPerformance(m)).toEqual({
      '#transactions': 2,
      profit: 10,
      '%profit': 8.9, // 20 − 11.11
      '#profitable': 1,
      '%profitable': 50,
      'profit/T': 5,
      '%profit/T': 4.4,
      '#transactions/M': 8.69, // 2 / (7 days / (365/12 days))
      'profit/M': 43.45,
      '%profit/M': 38.67, // from the rounded 8.9, as the original
    });
  });

  it('compounds the equity and marks the open trade to market', () => {
    const e = equityOf('long');
    const expected = [1, 1.1, 1.2, 1.2, 1.2, 1.2, 1.2 * (80 / 90), 1.2 * (80 / 90)];
    e.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(m.finalEquity).toBeCloseTo(1.2 * (8 / 9), 12);
    expect(m.totalReturn).toBeCloseTo(100 * (1.2 * (8 / 9) - 1), 10);
  });

  it('measures the drawdown from the peak at row 2 to the trough at row 6', () => {
    expect(m.maxDrawdown).toBeCloseTo(100 / 9, 10); // (1.2 − 1.0667) / 1.2
    expect(m.maxDrawdownAbs).toBeCloseTo(1.2 / 9, 12);
    expect(m.drawdownStart).toBe(day(2));
    expect(m.drawdownEnd).toBe(day(6));
  });

  it('annualises Sharpe, Sortino, CAGR and Calmar from the daily returns', () => {
    const daily = [0, 0.1, 1.2 / 1.1 - 1, 0, 0, 0, 8 / 9 - 1, 0];
    const { sharpe, sortino } = handRatios(daily);
    expect(m.sharpe).toBeCloseTo(sharpe, 10);
    expect(m.sortino).toBeCloseTo(sortino, 10);
    const cagr = 100 * (Math.pow(1.2 * (8 / 9), 1 / YEARS) - 1);
    expect(m.cagr!).toBeCloseTo(cagr, 6);
    expect(m.calmar!).toBeCloseTo(cagr / (100 / 9), 6);
  });

  it('computes the trade statistics', () => {
    expect(m.trades).toBe(2);
    expect(m.winRate).toBe(50);
    expect(m.grossProfit).toBe(10);
    expect(m.netPercent).toBeCloseTo(20 - 100 / 9, 12);
    expect(m.profitFactor!).toBeCloseTo(20 / (100 / 9), 12); // 1.8
    expect(m.expectancy).toBeCloseTo((20 - 100 / 9) / 2, 12);
    expect(m.expectancyRatio!).toBeCloseTo((1 + 1.8) * 0.5 - 1, 12);
    expect(m.exposure).toBeCloseTo((100 * 4) / 7, 10); // 2 + 2 days of 7
    expect(m.avgDuration).toBe(2 * DAY);
    expect(m.avgWinnerDuration).toBe(2 * DAY);
    expect(m.avgLoserDuration).toBe(2 * DAY);
    expect(m.longestLosingStreak).toBe(1);
    expect(m.longestWinningStreak).toBe(1);
    // daily equity changes: 0, +10 %, +9.09 %, 0, 0, 0, −11.11 %, 0
    expect(m.bestDay).toBeCloseTo(10, 10);
    expect(m.worstDay).toBeCloseTo(-100 / 9, 10);
    expect([m.daysWon, m.daysDrawn, m.daysLost]).toEqual([2, 5, 1]);
    expect(m.bestTrade).toBe(20);
    expect(m.worstTrade).toBeCloseTo(-100 / 9, 12);
    expect(m.buyAndHold).toBeCloseTo(5, 12); // 100 → 105
    expect(m.months).toBeCloseTo(MONTHS, 12);
  });
});

describe('short, no fees', () => {
  const { metrics: m, trades } = run('short');

  it('makes one short trade; the first buy is not a phantom short transaction', () => {
    expect(trades.map((t) => [t.side, t.entryIndex, t.exitIndex, t.grossProfit, t.grossPercent])).toEqual([['short', 2, 4, 30, 25]]);
    const o = originalPerformance(m);
    expect(o['#transactions']).toBe(1);
    expect(o.profit).toBe(30);
    expect(o['%profit']).toBe(25);
    expect(o['%profitable']).toBe(100);
  });

  it('keeps the short opened at row 6 open, marked at the last close', () => {
    expect(m.openPosition).toMatchObject({ side: 'short', entryIndex: 6, entryPrice: 80 });
    expect(m.openPosition!.unrealisedPercent).toBeCloseTo(-31.25, 12);
  });

  it('has the equity of a short: up when the price falls', () => {
    const expected = [1, 1, 1, 1 + 10 / 120, 1.25, 1.25, 1.25, 1.25 * 0.6875];
    equityOf('short').forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(m.maxDrawdown).toBeCloseTo(31.25, 10);
    expect(m.maxDrawdownAbs).toBeCloseTo(1.25 - 0.859375, 12);
    expect(m.drawdownStart).toBe(day(4));
    expect(m.drawdownEnd).toBe(day(7));
  });

  it('has no profit factor or expectancy ratio without a losing trade', () => {
    expect(m.profitFactor).toBeNull();
    expect(m.expectancyRatio).toBeNull();
    expect(m.longestLosingStreak).toBe(0);
    expect(m.avgLoserDuration).toBeNull();
    expect(m.exposure).toBeCloseTo((100 * 3) / 7, 10); // 2 days closed + 1 day open
  });
});

describe('both, no fees', () => {
  const { metrics: m, trades } = run('both');

  it('alternates long and short trades', () => {
    expect(trades.map((t) => [t.side, t.grossProfit])).toEqual([
      ['long', 20],
      ['short', 30],
      ['long', -10],
    ]);
    const o = originalPerformance(m);
    expect(o['#transactions']).toBe(3);
    expect(o.profit).toBe(40);
    expect(o['%profit']).toBe(33.9); // 20 + 25 − 11.11
    expect(o['%profitable']).toBe(66.7);
  });

  it('is always in the market after the first buy', () => {
    const expected = [1, 1.1, 1.2, 1.3, 1.5, 1.5, 1.5 * (8 / 9), 1.5 * (8 / 9) * 0.6875];
    equityOf('both').forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(m.maxDrawdown).toBeCloseTo(100 * (1 - (8 / 9) * 0.6875), 10);
    expect(m.drawdownStart).toBe(day(4));
    expect(m.drawdownEnd).toBe(day(7));
    expect(m.exposure).toBeCloseTo(100, 10);
  });
});

describe('with fees and slippage', () => {
  it('charges the fee on both sides of each trade (long, fee 0.1 %)', () => {
    const { metrics: m, trades } = run('long', { fees: 0.001, slippage: 0 });
    // 120 − 100 − 0.001·(100 + 120) = 19.78; 80 − 90 − 0.001·(90 + 80) = −10.17
    expect(trades[0]!.netProfit).toBeCloseTo(19.78, 12);
    expect(trades[1]!.netProfit).toBeCloseTo(-10.17, 12);
    expect(trades[0]!.grossProfit).toBe(20);
    expect(m.grossProfit).toBe(10);
    const o = originalPerformance(m);
    expect(o.profit).toBe(9.61);
    expect(o['%profit']).toBe(8.5); // 19.78 − 11.3
    expect(o['%profit/T']).toBe(4.2); // (19.78 − 11.3) / 2 = 4.24
    const e = equityOf('long', { fees: 0.001, slippage: 0 });
    expect(e[0]).toBeCloseTo(0.998, 12); // liquidation value right after the buy
    expect(e[2]).toBeCloseTo(1.1978, 12);
    expect(e[6]).toBeCloseTo(1.1978 * (1 - 10.17 / 90), 12);
    expect(m.finalEquity).toBeCloseTo(1.1978 * (1 - 10.17 / 90), 12);
  });

  it('counts a trade that only the fees make a loss as a losing trade', () => {
    const p = Float64Array.from([100, 100.1, 100]);
    const t = Float64Array.from([0, 1, 2].map((i) => i * DAY));
    const sw = signalSwitches(p, Float64Array.from([1, 0, 0]), Float64Array.from([0, 1, 0]));
    const gross = measureSwitches({ time: t, price: p }, sw, 'long', NO_COSTS).metrics;
    const net = measureSwitches({ time: t, price: p }, sw, 'long', { fees: 0.001, slippage: 0 }).metrics;
    expect(gross.profitable).toBe(1);
    expect(net.profitable).toBe(0);
    expect(net.netProfit).toBeCloseTo(0.1 - 0.001 * 200.1, 12);
  });

  it('fills buys higher and sells lower with slippage (short, 1 %)', () => {
    const { trades } = run('short', { fees: 0, slippage: 0.01 });
    // sold at 120·0.99 = 118.8, bought back at 90·1.01 = 90.9
    expect(trades[0]!.netProfit).toBeCloseTo(27.9, 12);
    expect(trades[0]!.netPercent).toBeCloseTo((100 * 27.9) / 120, 12);
    expect(trades[0]!.grossProfit).toBe(30);
  });
});

describe('edge cases', () => {
  it('no trade: zero counts, flat equity, no ratios', () => {
    const p = Float64Array.from([100, 101, 102, 103]);
    const t = Float64Array.from([0, 1, 2, 3].map((i) => i * DAY));
    const zero = new Float64Array(4);
    const { metrics: m, trades } = measureSwitches({ time: t, price: p }, signalSwitches(p, zero, zero), 'long', { fees: 0.001, slippage: 0 });
    expect(trades).toEqual([]);
    expect(originalPerformance(m)).toEqual({
      '#transactions': 0,
      profit: 0,
      '%profit': 0,
      '#profitable': 0,
      '%profitable': 0,
      'profit/T': 0,
      '%profit/T': 0,
      '#transactions/M': 0,
      'profit/M': 0,
      '%profit/M': 0,
    });
    expect(m.finalEquity).toBe(1);
    expect(m.maxDrawdown).toBe(0);
    expect(m.drawdownStart).toBeNull();
    expect([m.sharpe, m.sortino, m.calmar, m.profitFactor, m.bestTrade, m.avgDuration]).toEqual([null, null, null, null, null, null]);
    expect(m.exposure).toBe(0);
    expect(m.buyAndHold).toBeCloseTo(3, 12);
    expect(m.openPosition).toBeNull();
  });

  it('a single buy and nothing else: no trade, an open long', () => {
    const p = Float64Array.from([100, 90, 95]);
    const t = Float64Array.from([0, 1, 2].map((i) => i * DAY));
    const { metrics: m } = measureSwitches({ time: t, price: p }, signalSwitches(p, Float64Array.from([1, 0, 0]), new Float64Array(3)), 'long', NO_COSTS);
    expect(m.trades).toBe(0);
    expect(m.openPosition).toMatchObject({ side: 'long', entryIndex: 0 });
    expect(m.openPosition!.unrealisedPercent).toBeCloseTo(-5, 12);
    expect(m.maxDrawdown).toBeCloseTo(10, 12); // the open trade's fall to 90 counts
    expect(m.finalEquity).toBeCloseTo(0.95, 12);
  });

  it('the first row may be the first trade', () => {
    const { trades } = run('long');
    expect(trades[0]!.entryIndex).toBe(0);
    expect(trades[0]!.entryTime).toBe(day(0));
  });

  it('risk ratios need two periods and some variation', () => {
    expect(riskRatios(Float64Array.from([0.01]), 365)).toEqual({ sharpe: null, sortino: null });
    expect(riskRatios(Float64Array.from([0.01, 0.01]), 365)).toEqual({ sharpe: null, sortino: null });
  });

  it('uses one period per bar for weekly bars', () => {
    const t = Float64Array.from([0, 1, 2, 3].map((i) => i * 7 * DAY));
    const c = returnCalendar(t);
    expect(c.periodsPerYear).toBeCloseTo(365 / 7, 12);
    expect(Array.from(c.periodEnds)).toEqual([0, 1, 2, 3]);
  });

  it('groups minute bars into UTC days', () => {
    const t = Float64Array.from({ length: 3000 }, (_, i) => Date.UTC(2024, 0, 1, 23, 0) + i * 60_000);
    const c = returnCalendar(t);
    expect(c.periodsPerYear).toBe(365);
    expect(Array.from(c.periodEnds)).toEqual([59, 59 + 1440, 59 + 2 * 1440, 2999]);
  });
});
