import { describe, expect, it } from 'vitest';
import type { GridData } from '../../src/core/backtest/gridKernel.ts';
import type { GridParams } from '../../src/core/backtest/grid.ts';
import { chainedSwitches, walkForwardPlan, walkForwardThresholds } from '../../src/core/backtest/walkForwardThresholds.ts';
import { evaluateRules } from '../../src/core/backtest/gridSearch.ts';
import { rankBy } from '../../src/core/backtest/ranking.ts';
import { DAY, HOUR } from '../../src/core/time.ts';
import { readmePromises } from '../readmePromises.ts';

/** The README's promise, word for word. */
const NO_LOOK_AHEAD_PROMISE = 'Walk-forward thresholds never see the rows they are applied to: each test period\'s thresholds are fitted on rows before its first row only.';

const T0 = Date.UTC(2025, 0, 1);
const H = 20 * 24; // 20 days of hourly bars

/**
 * Hourly bars, flat at 100 with score 0, and trades made by hand:
 * - training rows (days 0–9): twice a score of 0.4 (bought by buy ≥ 0.3 only), then +10 %;
 * - days 10–14: a score of 0.4 followed by −50 %, then a score of 0.7 followed by +100 % (the price ends at 120).
 * On days 0–9 buy ≥ 0.3 is best (+20 % against no trade); anyone who also sees days 10–14
 * prefers buy ≥ 0.6 (+100 % against +70 %).
 */
function data(): GridData & { score: Float64Array; price: Float64Array } {
  const time = Float64Array.from({ length: H }, (_, i) => T0 + i * HOUR);
  const price = new Float64Array(H).fill(100);
  const score = new Float64Array(H);
  const from = (h: number, p: number) => price.fill(p, h);
  const trade = (buyAt: number, buyScore: number, sellAt: number, after: number, back: number) => {
    score[buyAt] = buyScore;
    from(buyAt + 1, after);
    score[sellAt] = -0.6;
    from(sellAt + 1, back);
  };
  trade(48, 0.4, 72, 110, 100);
  trade(144, 0.4, 168, 110, 100);
  trade(264, 0.4, 288, 50, 50);
  trade(312, 0.7, 336, 100, 120);
  return { time, price, score };
}

const COMBOS: GridParams[] = [
  { buy_signal_threshold: 0.3, sell_signal_threshold: -0.5 },
  { buy_signal_threshold: 0.6, sell_signal_threshold: -0.5 },
];
const RULES = COMBOS.map((p) => ({ buy: p.buy_signal_threshold!, sell: p.sell_signal_threshold! }));
const OPTIONS = { trainMs: 10 * DAY, testMs: 5 * DAY, direction: 'long' as const, costs: { fees: 0, slippage: 0 }, sortBy: '%profit/M' };

describe('walk-forward thresholds', () => {
  it('plans test periods after a training window, each trained only on the rows before it', () => {
    const plan = walkForwardPlan(data().time, OPTIONS.trainMs, OPTIONS.testMs);
    expect(plan).toEqual([
      { train: { start: 0, end: 240 }, test: { start: 240, end: 360 } },
      { train: { start: 120, end: 360 }, test: { start: 360, end: 480 } },
    ]);
    expect(() => walkForwardPlan(data().time.subarray(0, 200), OPTIONS.trainMs, OPTIONS.testMs)).toThrow(
      'simulate_model.walk_forward: the signals span 8.3 days, too short for a training window of 10.0 days and a test period after it',
    );
  });

  it('never chooses by the rows it is applied to: a threshold best only in the test rows is not chosen, and test rows change nothing', async () => {
    const d = data();
    const wf = await walkForwardThresholds(d, COMBOS, RULES, OPTIONS);
    expect(wf.periods[0]!.params.buy_signal_threshold).toBe(0.3);
    // The control: a fit that sees the test rows too picks the other threshold, so the data can tell.
    const peeking = await evaluateRules({ time: d.time.subarray(0, 360), price: d.price.subarray(0, 360), score: d.score.subarray(0, 360) }, RULES, OPTIONS);
    expect(rankBy(COMBOS.map((params, i) => ({ params, metrics: peeking[i]! })), '%profit/M')[0]!.params.buy_signal_threshold).toBe(0.6);
    // Any scores and prices in the first test period leave its choice as it was.
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 240; i < 360; i++) {
      d.score[i] = rand() * 2 - 1;
      d.price[i] = 50 + rand() * 100;
    }
    const again = await walkForwardThresholds(d, COMBOS, RULES, OPTIONS);
    expect(again.periods[0]!.params).toEqual(wf.periods[0]!.params);
    expect(again.periods[0]!.inSample).toEqual(wf.periods[0]!.inSample);
    expect(readmePromises()).toContain(NO_LOOK_AHEAD_PROMISE);
  });

  it('chains the test periods into one out-of-sample run beside buy-and-hold over the same rows, and fits the next thresholds on the last window', async () => {
    const wf = await walkForwardThresholds(data(), COMBOS, RULES, OPTIONS);
    expect(wf.span).toEqual({ start: 240, end: 480 });
    // Period 1 trades with buy ≥ 0.3: −50 % then +100 %; period 2 (trained on days 5–14) with buy ≥ 0.6, no signal.
    expect(wf.periods.map((p) => p.params.buy_signal_threshold)).toEqual([0.3, 0.6]);
    expect(wf.trades.map((t) => [t.entryIndex, t.exitIndex, t.netPercent])).toEqual([
      [24, 48, -50],
      [72, 96, 100],
    ]);
    expect(wf.metrics.totalReturn).toBeCloseTo(0, 10); // 0.5 × 2
    expect(wf.metrics.buyAndHold).toBeCloseTo(20, 10); // 100 at the start of day 10, 120 at the end
    expect(wf.next.train).toEqual({ start: 240, end: 480 });
    expect(wf.next.params.buy_signal_threshold).toBe(0.6);
  });

  it('carries an open position over a period boundary, where the next period’s thresholds close it', () => {
    const price = new Float64Array(6).fill(100);
    const score = Float64Array.from([0.5, 0, -0.2, -0.4, 0.5, 0]);
    const d = { time: Float64Array.from({ length: 6 }, (_, i) => i), price, score };
    // Rows 0–1: buy ≥ 0.4, sell ≤ −0.3; rows 2–5: buy ≥ 0.6, sell ≤ −0.1.
    const s = chainedSwitches(d, [
      { end: 2, rule: { buy: 0.4, sell: -0.3 } },
      { end: 6, rule: { buy: 0.6, sell: -0.1 } },
    ]);
    expect(Array.from(s)).toEqual([0, 2]);
  });
});
