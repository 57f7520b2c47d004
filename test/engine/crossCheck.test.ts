import { describe, expect, it } from 'vitest';
import * as ts from 'trading-signals';
import { maxRelDiff, realMinutes, talib } from './helpers.ts';

/**
 * Our TA-Lib functions against an independent implementation (trading-signals) on real
 * candles. Recursive indicators are seeded differently by the two libraries, so they are
 * compared after a warm-up long enough for the seed to have decayed below the tolerance.
 */
type Candle = { open: number; high: number; low: number; close: number; volume: number };
type Case = {
  name: string;
  ours: (c: { high: number[]; low: number[]; close: number[]; volume: number[] }) => number[];
  theirs: () => unknown;
  input: 'price' | 'candle';
  pick?: (r: unknown) => number;
  warmup: number;
  tolerance: number;
};

const N = 6000;

const cases: Case[] = [
  { name: 'SMA 20', ours: (c) => talib('SMA', [c.close], { timeperiod: 20 }), theirs: () => new ts.SMA(20), input: 'price', warmup: 19, tolerance: 1e-12 },
  { name: 'WMA 15', ours: (c) => talib('WMA', [c.close], { timeperiod: 15 }), theirs: () => new ts.WMA(15), input: 'price', warmup: 14, tolerance: 1e-12 },
  { name: 'EMA 30', ours: (c) => talib('EMA', [c.close], { timeperiod: 30 }), theirs: () => new ts.EMA(30), input: 'price', warmup: 1500, tolerance: 1e-12 },
  { name: 'DEMA 10', ours: (c) => talib('DEMA', [c.close], { timeperiod: 10 }), theirs: () => new ts.DEMA(10), input: 'price', warmup: 1500, tolerance: 1e-10 },
  { name: 'TEMA 10', ours: (c) => talib('TEMA', [c.close], { timeperiod: 10 }), theirs: () => new ts.TEMA(10), input: 'price', warmup: 1500, tolerance: 1e-10 },
  { name: 'TRIMA 9', ours: (c) => talib('TRIMA', [c.close], { timeperiod: 9 }), theirs: () => new ts.TRIMA(9), input: 'price', warmup: 8, tolerance: 1e-12 },
  { name: 'RSI 14', ours: (c) => talib('RSI', [c.close], { timeperiod: 14 }), theirs: () => new ts.RSI(14), input: 'price', warmup: 14, tolerance: 1e-9 },
  { name: 'MOM 10', ours: (c) => talib('MOM', [c.close], { timeperiod: 10 }), theirs: () => new ts.MOM(10), input: 'price', warmup: 10, tolerance: 1e-12 },
  { name: 'ROC 10', ours: (c) => talib('ROCP', [c.close], { timeperiod: 10 }), theirs: () => new ts.ROC(10), input: 'price', warmup: 10, tolerance: 1e-9 },
  {
    name: 'BBANDS 20 upper',
    ours: (c) => talib('BBANDS', [c.close], { timeperiod: 20 }, 0),
    theirs: () => new ts.BollingerBands(20, 2),
    input: 'price',
    pick: (r) => (r as { upper: number }).upper,
    warmup: 19,
    tolerance: 1e-9,
  },
  {
    name: 'LINEARREG_SLOPE 14',
    ours: (c) => talib('LINEARREG_SLOPE', [c.close], { timeperiod: 14 }),
    theirs: () => new ts.LinearRegression(14),
    input: 'price',
    pick: (r) => (r as { slope: number }).slope,
    warmup: 13,
    tolerance: 1e-7,
  },
  { name: 'CCI 20', ours: (c) => talib('CCI', [c.high, c.low, c.close], { timeperiod: 20 }), theirs: () => new ts.CCI(20), input: 'candle', warmup: 19, tolerance: 1e-8 },
  { name: 'WILLR 14', ours: (c) => talib('WILLR', [c.high, c.low, c.close], { timeperiod: 14 }), theirs: () => new ts.WilliamsR(14), input: 'candle', warmup: 13, tolerance: 1e-9 },
  { name: 'ATR 14', ours: (c) => talib('ATR', [c.high, c.low, c.close], { timeperiod: 14 }), theirs: () => new ts.ATR(14), input: 'candle', warmup: 1500, tolerance: 1e-9 },
  { name: 'MFI 14', ours: (c) => talib('MFI', [c.high, c.low, c.close, c.volume], { timeperiod: 14 }), theirs: () => new ts.MFI(14), input: 'candle', warmup: 14, tolerance: 1e-9 },
  // trading-signals starts OBV at 0 on the second candle, TA-Lib at the first volume.
  { name: 'OBV', ours: (c) => talib('OBV', [c.close, c.volume]).map((v) => v - c.volume[0]!), theirs: () => new ts.OBV(2), input: 'candle', warmup: 1, tolerance: 1e-9 },
  { name: 'AD', ours: (c) => talib('AD', [c.high, c.low, c.close, c.volume]), theirs: () => new ts.AD(), input: 'candle', warmup: 0, tolerance: 1e-9 },
  { name: 'KAMA 10', ours: (c) => talib('KAMA', [c.close], { timeperiod: 10 }), theirs: () => new ts.KAMA(10), input: 'price', warmup: 10, tolerance: 1e-9 },
  {
    name: 'MACD 12/26/9 line',
    ours: (c) => talib('MACD', [c.close], {}, 0),
    theirs: () => new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)),
    input: 'price',
    pick: (r) => (r as { macd: number }).macd,
    warmup: 1500,
    tolerance: 1e-7,
  },
  {
    name: 'MACD 12/26/9 signal',
    ours: (c) => talib('MACD', [c.close], {}, 1),
    theirs: () => new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)),
    input: 'price',
    pick: (r) => (r as { signal: number }).signal,
    warmup: 1500,
    tolerance: 1e-7,
  },
  {
    name: 'STOCH 5/3/3 slowk',
    ours: (c) => talib('STOCH', [c.high, c.low, c.close], {}, 0),
    theirs: () => new ts.StochasticOscillator({ kPeriod: 5, kSlowingPeriod: 3, dPeriod: 3 }),
    input: 'candle',
    pick: (r) => (r as { stochK: number }).stochK,
    warmup: 8,
    tolerance: 1e-9,
  },
  {
    name: 'STOCH 5/3/3 slowd',
    ours: (c) => talib('STOCH', [c.high, c.low, c.close], {}, 1),
    theirs: () => new ts.StochasticOscillator({ kPeriod: 5, kSlowingPeriod: 3, dPeriod: 3 }),
    input: 'candle',
    pick: (r) => (r as { stochD: number }).stochD,
    warmup: 8,
    tolerance: 1e-9,
  },
  { name: 'NATR 14', ours: (c) => talib('NATR', [c.high, c.low, c.close], { timeperiod: 14 }), theirs: () => new ts.NATR(14), input: 'candle', warmup: 1500, tolerance: 1e-9 },
  { name: 'ADX 14', ours: (c) => talib('ADX', [c.high, c.low, c.close], { timeperiod: 14 }), theirs: () => new ts.ADX(14), input: 'candle', warmup: 1500, tolerance: 1e-9 },
  { name: 'ADXR 14', ours: (c) => talib('ADXR', [c.high, c.low, c.close], { timeperiod: 14 }), theirs: () => new ts.ADXR(14), input: 'candle', warmup: 1500, tolerance: 1e-9 },
  { name: 'DX 14', ours: (c) => talib('DX', [c.high, c.low, c.close], { timeperiod: 14 }), theirs: () => new ts.DX(14), input: 'candle', warmup: 1500, tolerance: 1e-9 },
  { name: 'ADOSC 3/10', ours: (c) => talib('ADOSC', [c.high, c.low, c.close, c.volume]), theirs: () => new ts.ADOSC({ fastPeriod: 3, slowPeriod: 10 }), input: 'candle', warmup: 9, tolerance: 1e-9 },
];

describe('TA-Lib functions agree with trading-signals on real BTCUSDT candles', () => {
  const f = realMinutes().tail(N);
  const cols = { high: Array.from(f.get('high')), low: Array.from(f.get('low')), close: Array.from(f.get('close')), volume: Array.from(f.get('volume')) };
  const candles: Candle[] = cols.close.map((close, i) => ({ open: f.get('open')[i]!, high: cols.high[i]!, low: cols.low[i]!, close, volume: cols.volume[i]! }));

  for (const c of cases) {
    it(c.name, () => {
      const ours = c.ours(cols);
      const ind = c.theirs() as { update(v: unknown): unknown };
      const theirs = candles.map((candle) => {
        const r = ind.update(c.input === 'price' ? candle.close : candle);
        if (r === null || r === undefined) return NaN;
        return c.pick ? c.pick(r) : Number(r);
      });
      const { max, at } = maxRelDiff(ours, theirs, c.warmup);
      expect(Number.isNaN(ours[c.warmup]!), `${c.name} has a value at row ${c.warmup}`).toBe(false);
      expect(max, `${c.name}: largest relative difference ${max} at row ${at} (ours ${ours[at]}, theirs ${theirs[at]})`).toBeLessThanOrEqual(c.tolerance);
    });
  }
});
