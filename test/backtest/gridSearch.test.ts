import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/core/frame.ts';
import { expandGrid, parseGrid, type GridParams } from '../../src/core/backtest/grid.ts';
import { evaluateRules } from '../../src/core/backtest/gridSearch.ts';
import { measureSwitches } from '../../src/core/backtest/metrics.ts';
import { originalPerformance } from '../../src/core/backtest/originalKeys.ts';
import { readScoreRule, thresholdsFor } from '../../src/core/backtest/scoreRule.ts';
import { signalSwitches } from '../../src/core/backtest/switches.ts';
import type { Direction, TradeCosts } from '../../src/core/backtest/trades.ts';
import { sampleWithScores } from './realScore.ts';
import { runGeneratorSet } from '../../src/core/generators/index.ts';
import { buildConfig } from '../../src/config/load.ts';
import type { GeneratorDef } from '../../src/config/schema.ts';

const config = buildConfig({}, { env: {} }).config;

/**
 * The naive loop: for each combination, set the thresholds in the generator's parameters
 * and re-run the engine's signal generator on the whole frame, as the original does.
 */
async function engineSignals(frame: Frame, def: GeneratorDef, params: GridParams): Promise<{ buy: Float64Array; sell: Float64Array }> {
  const updated = structuredClone(def);
  Object.assign(updated.config.parameters as object, params);
  const [buyName, sellName] = await runGeneratorSet(frame, updated, config);
  return { buy: frame.get(buyName!).slice(), sell: frame.get(sellName!).slice() };
}

/** threshold_rule / threshold_rule2 written the plain way (NaN → false), for the row-by-row check. */
function referenceSignals(s1: Float64Array, p: GridParams, s2?: Float64Array): { buy: Uint8Array; sell: Uint8Array } {
  const n = s1.length;
  const buy = new Uint8Array(n);
  const sell = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    buy[i] = s1[i]! >= p.buy_signal_threshold! && (!s2 || s2[i]! >= p.buy_signal_threshold_2!) ? 1 : 0;
    sell[i] = s1[i]! <= p.sell_signal_threshold! && (!s2 || s2[i]! <= p.sell_signal_threshold_2!) ? 1 : 0;
  }
  return { buy, sell };
}

/** The original's loop over rows with the intended profit semantics, long side, no costs. */
function referenceLong(price: Float64Array, buy: Uint8Array, sell: Uint8Array) {
  let waitingForBuy = true;
  let entry = 0;
  let count = 0;
  let profitable = 0;
  let profit = 0;
  let percent = 0;
  for (let i = 0; i < price.length; i++) {
    const p = price[i]!;
    if (!p || Number.isNaN(p)) continue;
    if (waitingForBuy && buy[i]) {
      entry = p;
      waitingForBuy = false;
    } else if (!waitingForBuy && sell[i]) {
      count++;
      profit += p - entry;
      percent += (100 * (p - entry)) / entry;
      if (p - entry > 0) profitable++;
      waitingForBuy = true;
    }
  }
  return { count, profitable, profit, percent };
}

describe('the fast path from scores', () => {
  it('skips rows priced 0 or NaN and NaN scores exactly as the state machine on boolean columns', async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 2000;
    const time = Float64Array.from({ length: n }, (_, i) => i * 3_600_000);
    const price = Float64Array.from({ length: n }, () => (rand() < 0.05 ? 0 : rand() < 0.05 ? NaN : 100 + 10 * rand()));
    const score = Float64Array.from({ length: n }, () => (rand() < 0.05 ? NaN : rand() * 2 - 1));
    const score2 = Float64Array.from({ length: n }, () => (rand() < 0.05 ? NaN : rand() * 2 - 1));
    const combos = expandGrid(parseGrid({ buy_signal_threshold: [0.2, 0.6], buy_signal_threshold_2: [-0.5, 0.3], sell_signal_threshold: [-0.2, -0.6], sell_signal_threshold_2: [0.5, -0.3] }, false));
    const rules = combos.map((p) => ({ buy: p.buy_signal_threshold!, sell: p.sell_signal_threshold!, buy2: p.buy_signal_threshold_2!, sell2: p.sell_signal_threshold_2! }));
    const costs = { fees: 0.001, slippage: 0.001 };
    const got = await evaluateRules({ time, price, score, score2 }, rules, { direction: 'both', costs, workers: 0 });
    combos.forEach((p, k) => {
      const { buy, sell } = referenceSignals(score, p, score2);
      const naive = measureSwitches({ time, price }, signalSwitches(price, buy, sell), 'both', costs).metrics;
      expect(naive.trades).toBeGreaterThan(5);
      expect(got[k]).toEqual(naive);
    });
    const single = await evaluateRules({ time, price, score }, rules, { direction: 'long', costs, workers: 0 });
    combos.forEach((p, k) => {
      const { buy, sell } = referenceSignals(score, p);
      expect(single[k]).toEqual(measureSwitches({ time, price }, signalSwitches(price, buy, sell), 'long', costs).metrics);
    });
  });
});

let frame: Frame;
beforeAll(() => {
  frame = sampleWithScores();
});

describe('the grid search equals a naive loop over the same combinations (real BTCUSDT 1m, 90 days)', () => {
  const grid1 = parseGrid(
    { buy_signal_threshold: [0.02, 0.03, 0.04, 0.05, 0.1, 0.15], sell_signal_threshold: [-0.02, -0.03, -0.04, -0.05, -0.1, -0.15] },
    false,
  );
  const rule1 = readScoreRule(
    { generator: 'threshold_rule', config: { columns: 'trade_score', names: ['buy', 'sell'], parameters: {} } },
    'signal_sets[0]',
  );

  const cases: Array<{ direction: Direction; costs: TradeCosts; workers: number }> = [
    { direction: 'long', costs: { fees: 0, slippage: 0 }, workers: 0 },
    { direction: 'short', costs: { fees: 0.001, slippage: 0.0005 }, workers: 0 },
    { direction: 'both', costs: { fees: 0.001, slippage: 0 }, workers: 2 },
  ];
  for (const c of cases) {
    it(`threshold_rule, 6×6, ${c.direction}, fees ${c.costs.fees}, ${c.workers ? `${c.workers} worker threads` : 'in this thread'}`, async () => {
      const combos = expandGrid(grid1);
      const price = frame.get('close');
      const score = frame.get('trade_score');
      const got = await evaluateRules({ time: frame.time, price, score }, combos.map((p) => thresholdsFor(rule1, p)), { ...c });
      expect(got).toHaveLength(36);
      let trades = 0;
      const def: GeneratorDef = { generator: 'threshold_rule', config: { columns: 'trade_score', names: ['buy_signal_column', 'sell_signal_column'], parameters: {} } };
      for (let k = 0; k < combos.length; k++) {
        const { buy, sell } = await engineSignals(frame, def, combos[k]!);
        const naive = measureSwitches({ time: frame.time, price }, signalSwitches(price, buy, sell), c.direction, c.costs).metrics;
        expect(got[k]).toEqual(naive);
        trades += naive.trades;
      }
      expect(trades).toBeGreaterThan(36 * 10); // the combinations really trade
    });
  }

  it('the long figures equal the original loop written out row by row (no costs)', async () => {
    const combos = expandGrid(grid1);
    const price = frame.get('close');
    const score = frame.get('trade_score');
    const got = await evaluateRules({ time: frame.time, price, score }, combos.map((p) => thresholdsFor(rule1, p)), {
      direction: 'long',
      costs: { fees: 0, slippage: 0 },
      workers: 0,
    });
    combos.forEach((p, k) => {
      const { buy, sell } = referenceSignals(score, p);
      const ref = referenceLong(price, buy, sell);
      const o = originalPerformance(got[k]!);
      expect(o['#transactions']).toBe(ref.count);
      expect(o['#profitable']).toBe(ref.profitable);
      expect(got[k]!.grossProfit).toBeCloseTo(ref.profit, 6);
      expect(got[k]!.grossPercent).toBeCloseTo(ref.percent, 9);
    });
  });

  it('threshold_rule2 with two scores, 3×2×3×2, both directions, 2 worker threads', async () => {
    const grid2 = parseGrid(
      {
        buy_signal_threshold: [0.05, 0.1, 0.15],
        buy_signal_threshold_2: [-0.2, 0],
        sell_signal_threshold: [-0.05, -0.1, -0.15],
        sell_signal_threshold_2: [0, 0.2],
      },
      false,
    );
    const rule2 = readScoreRule(
      { generator: 'threshold_rule2', config: { columns: ['trade_score', 'trend_score'], names: ['buy', 'sell'], parameters: {} } },
      'signal_sets[0]',
    );
    const combos = expandGrid(grid2);
    const price = frame.get('close');
    const score = frame.get('trade_score');
    const score2 = frame.get('trend_score');
    const costs = { fees: 0.001, slippage: 0 };
    const got = await evaluateRules({ time: frame.time, price, score, score2 }, combos.map((p) => thresholdsFor(rule2, p)), {
      direction: 'both',
      costs,
      workers: 2,
    });
    expect(got).toHaveLength(36);
    const def: GeneratorDef = { generator: 'threshold_rule2', config: { columns: ['trade_score', 'trend_score'], names: ['buy2_column', 'sell2_column'], parameters: {} } };
    for (let k = 0; k < combos.length; k++) {
      const { buy, sell } = await engineSignals(frame, def, combos[k]!);
      const plain = referenceSignals(score, combos[k]!, score2);
      let differ = 0; // the engine and the plain rule agree
      for (let i = 0; i < buy.length; i++) if (buy[i] !== plain.buy[i] || sell[i] !== plain.sell[i]) differ++;
      expect(differ).toBe(0);
      expect(got[k]).toEqual(measureSwitches({ time: frame.time, price }, signalSwitches(price, buy, sell), 'both', costs).metrics);
    }
  });
});
