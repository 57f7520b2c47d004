import { describe, expect, it } from 'vitest';
import { openPosition, realisedOnDay, tradeStats, withRealisedProfit, type Execution } from '../../src/core/trader/tradeStats.ts';

const DAY = 86_400_000;
const t0 = Date.UTC(2025, 0, 6);
let n = 0;
const buy = (time: number, price: number, qty: number, fee = 0): Execution => ({ time, side: 'buy', price, quantity: qty, cost: price * qty, fee, clientOrderId: `b${n++}` });
const sell = (ledger: Execution[], time: number, price: number, qty: number, fee = 0) => {
  const e = withRealisedProfit(ledger, { time, side: 'sell', price, quantity: qty, cost: price * qty, fee, clientOrderId: `s${n++}` });
  ledger.push(e);
  return e;
};

describe('trade stats', () => {
  it('books a sell against the average entry, fees of both sides included', () => {
    const ledger = [buy(t0, 100, 1, 0.1), buy(t0 + 1, 110, 1, 0.11)];
    expect(openPosition(ledger).position).toBe(2);
    expect(openPosition(ledger).entryCost).toBeCloseTo(210.21, 10);
    const s = sell(ledger, t0 + 2, 120, 1, 0.12);
    expect(s.profit).toBeCloseTo(120 - 0.12 - 105.105, 10);
    expect(s.profitPercent).toBeCloseTo((100 * (120 - 0.12 - 105.105)) / 105.105, 10);
    expect(openPosition(ledger).position).toBeCloseTo(1, 12);
  });

  it('reports win rate, profit factor, drawdown of the realised equity and profit per day', () => {
    const ledger: Execution[] = [];
    ledger.push(buy(t0, 100, 1));
    sell(ledger, t0 + 1000, 110, 1); // +10
    ledger.push(buy(t0 + 2000, 100, 1));
    sell(ledger, t0 + DAY, 95, 1); // −5
    ledger.push(buy(t0 + DAY + 1000, 100, 1));
    sell(ledger, t0 + DAY + 2000, 97, 1); // −3
    ledger.push(buy(t0 + 2 * DAY, 100, 2));
    const s = tradeStats(ledger, 104, 1000);
    expect(s).toMatchObject({ trades: 3, wins: 1, losses: 2, position: 2 });
    expect(s.winRate).toBeCloseTo(100 / 3, 10);
    expect(s.profitFactor).toBeCloseTo(10 / 8, 10);
    expect(s.realised).toBeCloseTo(2, 10);
    expect(s.realisedPercent).toBeCloseTo(0.2, 10);
    expect(s.unrealised).toBeCloseTo(8, 10);
    expect(s.maxDrawdown).toBeCloseTo(8, 10);
    expect(s.maxDrawdownPercent).toBeCloseTo((100 * 8) / 1010, 10);
    expect(s.perDay).toEqual([
      { day: t0, profit: 10, trades: 1 },
      { day: t0 + DAY, profit: -8, trades: 2 },
    ]);
    expect(realisedOnDay(ledger, t0 + DAY + 5)).toBeCloseTo(-8, 10);
  });

  it('has no ratios without trades, and an infinite profit factor without losses', () => {
    expect(tradeStats([], NaN, 1000)).toMatchObject({ trades: 0, realised: 0, unrealised: 0 });
    expect(Number.isNaN(tradeStats([], NaN, 1000).winRate)).toBe(true);
    const ledger = [buy(t0, 100, 1)];
    sell(ledger, t0 + 1, 101, 1);
    expect(tradeStats(ledger, 101, 1000).profitFactor).toBe(Infinity);
  });
});
