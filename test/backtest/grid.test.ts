import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGrid, parseGrid } from '../../src/core/backtest/grid.ts';
import { pyRound, pyStr } from '../../src/core/backtest/pyNumber.ts';
import { appendSignalModels } from '../../src/storage/signalModelsFile.ts';
import { measureSwitches } from '../../src/core/backtest/metrics.ts';
import { signalSwitches } from '../../src/core/backtest/switches.ts';
import { rankBy } from '../../src/core/backtest/ranking.ts';
import { truncateRows } from '../../src/core/backtest/dataWindow.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import { UserError } from '../../src/shared/errors.ts';
import { buy, price, sell, time } from './handWorked.ts';

describe('grid', () => {
  it('visits combinations as sklearn ParameterGrid does: keys sorted, the last key fastest', () => {
    const g = parseGrid({ sell_signal_threshold: [-1, -2], buy_signal_threshold: [0.1, 0.2, 0.3] }, false);
    expect(g.axes.map((a) => a.key)).toEqual(['buy_signal_threshold', 'sell_signal_threshold']);
    expect(expandGrid(g)).toEqual([
      { buy_signal_threshold: 0.1, sell_signal_threshold: -1 },
      { buy_signal_threshold: 0.1, sell_signal_threshold: -2 },
      { buy_signal_threshold: 0.2, sell_signal_threshold: -1 },
      { buy_signal_threshold: 0.2, sell_signal_threshold: -2 },
      { buy_signal_threshold: 0.3, sell_signal_threshold: -1 },
      { buy_signal_threshold: 0.3, sell_signal_threshold: -2 },
    ]);
  });

  it('orders the four keys of threshold_rule2 alphabetically', () => {
    const g = parseGrid({ sell_signal_threshold_2: [-1], buy_signal_threshold_2: [1, 2], sell_signal_threshold: [-3], buy_signal_threshold: [4] }, false);
    expect(g.axes.map((a) => a.key)).toEqual(['buy_signal_threshold', 'buy_signal_threshold_2', 'sell_signal_threshold', 'sell_signal_threshold_2']);
    expect(expandGrid(g).map((p) => p.buy_signal_threshold_2)).toEqual([1, 2]);
  });

  it('derives the sell thresholds from the buy ones with buy_sell_equal', () => {
    const g = parseGrid({ buy_signal_threshold: [0.1, 0.2], sell_signal_threshold: [-5] }, true);
    expect(expandGrid(g)).toEqual([
      { buy_signal_threshold: 0.1, sell_signal_threshold: -0.1, sell_signal_threshold_2: null },
      { buy_signal_threshold: 0.2, sell_signal_threshold: -0.2, sell_signal_threshold_2: null },
    ]);
    const g2 = parseGrid({ buy_signal_threshold: [0.1], buy_signal_threshold_2: [0.3] }, true);
    expect(expandGrid(g2)).toEqual([{ buy_signal_threshold: 0.1, buy_signal_threshold_2: 0.3, sell_signal_threshold: -0.1, sell_signal_threshold_2: -0.3 }]);
  });

  it('expands a range object like numpy arange (stop excluded, start + i·step)', () => {
    const g = parseGrid({ buy_signal_threshold: { start: 0, stop: 0.5, step: 0.1 } }, false);
    expect(g.axes[0]!.values).toEqual([0, 0.1, 0.2, 0.30000000000000004, 0.4]);
    expect(g.axes[0]!.float).toBe(true);
  });

  it('never evaluates the original Python expressions, and shows the range object instead', () => {
    const call = () => parseGrid({ buy_signal_threshold: 'np.arange(0.0,0.5,0.1).tolist()' }, false);
    expect(call).toThrow(UserError);
    expect(call).toThrow('simulate_model.grid.buy_signal_threshold: "np.arange(0.0,0.5,0.1).tolist()" is Python code, which is never evaluated; write a list of numbers or a range object such as {"start":0,"stop":0.5,"step":0.1}');
    expect(() => parseGrid({ buy_signal_threshold: '__import__("os").system("x")' }, false)).toThrow(/never evaluated/);
  });

  it('names the key of a bad value', () => {
    expect(() => parseGrid({ buy_signal_threshold: [0.1, 'x'] }, false)).toThrow('simulate_model.grid.buy_signal_threshold[1]: expected a number, got "x"');
    expect(() => parseGrid({ buy_signal_threshold: { start: 0, stop: 1, step: 0 } }, false)).toThrow('simulate_model.grid.buy_signal_threshold.step: must not be 0');
    expect(() => parseGrid({ window: [1] }, false)).toThrow(/simulate_model.grid.window: not a threshold/);
    expect(() => parseGrid({ sell_signal_threshold: [1] }, false)).toThrow(/needs buy_signal_threshold/);
  });
});

describe('Python number printing', () => {
  it('prints floats as str() does', () => {
    expect([0.1, 1, 100, -0.15, 1e-5, 1.5e-7, 1e16, 123456.78, -0].map((x) => pyStr(x))).toEqual([
      '0.1',
      '1.0',
      '100.0',
      '-0.15',
      '1e-05',
      '1.5e-07',
      '1e+16',
      '123456.78',
      '-0.0',
    ]);
    expect(pyStr(4, true)).toBe('4');
    expect(pyStr(null)).toBe('None');
  });

  it('rounds half to even on the exact decimal value, as round() does', () => {
    expect(pyRound(2.675, 2)).toBe(2.67); // 2.67499999… as a double
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(-1.25, 1)).toBe(-1.2);
  });
});

describe('signal_models.txt', () => {
  it('writes the header once, a line per model and a blank line after each run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-models-'));
    const file = path.join(dir, 'signal_models.txt');
    const grid = parseGrid({ buy_signal_threshold: [0.1], sell_signal_threshold: [-0.2] }, false);
    const metrics = measureSwitches({ time, price }, signalSwitches(price, buy, sell), 'long', { fees: 0, slippage: 0 }).metrics;
    const empty = measureSwitches({ time, price }, new Int32Array(0), 'long', { fees: 0, slippage: 0 }).metrics;
    appendSignalModels(file, grid.axes, [{ params: { buy_signal_threshold: 0.1, sell_signal_threshold: -0.2 }, metrics }]);
    // A JSON list of whole numbers is a list of Python ints: printed without a point.
    const intGrid = parseGrid({ buy_signal_threshold: [1], sell_signal_threshold: [-2] }, false);
    appendSignalModels(file, intGrid.axes, [{ params: { buy_signal_threshold: 1, sell_signal_threshold: -2 }, metrics: empty }]);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      [
        'buy_signal_threshold,sell_signal_threshold,#transactions,profit,%profit,#profitable,%profitable,profit/T,%profit/T,#transactions/M,profit/M,%profit/M',
        '0.1,-0.2,2,10.0,8.9,1,50.0,5.0,4.4,8.69,43.45,38.67',
        '',
        '1,-2,0,0,0,0,0.0,0.0,0.0,0.0,0.0,0.0',
        '',
        '',
      ].join('\n'),
    );
    fs.rmSync(dir, { recursive: true });
  });

  it('prints None for the sell thresholds of buy_sell_equal without a second score', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-models-'));
    const file = path.join(dir, 'signal_models.txt');
    const grid = parseGrid({ buy_signal_threshold: [0.1] }, true);
    const metrics = measureSwitches({ time, price }, signalSwitches(price, buy, sell), 'long', { fees: 0, slippage: 0 }).metrics;
    appendSignalModels(file, grid.axes, [{ params: expandGrid(grid)[0]!, metrics }]);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[0]!.startsWith('buy_signal_threshold,sell_signal_threshold,sell_signal_threshold_2,#transactions')).toBe(true);
    expect(lines[1]!.startsWith('0.1,-0.1,None,2,')).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('ranking', () => {
  const m = (pm: number, sharpe: number | null) =>
    ({ metrics: { ...measureSwitches({ time, price }, new Int32Array(0), 'long', { fees: 0, slippage: 0 }).metrics, netPercent: pm * (7 / (365 / 12)), trades: 1, sharpe }, id: `${pm}/${sharpe}` });
  it('sorts descending and keeps the grid order among ties (stable, as Python)', () => {
    const items = [m(1, 2), m(3, null), m(1, 5), m(2, 1)];
    expect(rankBy(items, '%profit/M').map((x) => x.id)).toEqual(['3/null', '2/1', '1/2', '1/5']);
    expect(rankBy(items, 'sharpe').map((x) => x.id)).toEqual(['1/5', '1/2', '2/1', '3/null']);
    expect(() => rankBy(items, 'luck')).toThrow(/simulate_model.sort_by "luck" is not a metric/);
  });
});

describe('data window', () => {
  const f = frameFromRows([0, 1, 2, 3, 4].map((i) => ({ timestamp: Date.UTC(2025, 0, 1 + i), close: i })));
  it('keeps rows ≥ data_start and < data_end given as dates', () => {
    expect(Array.from(truncateRows(f, '2025-01-02', '2025-01-04', 'simulate_model').get('close'))).toEqual([1, 2]);
  });
  it('drops rows from the start and the end given as counts; 0 and null change nothing', () => {
    expect(Array.from(truncateRows(f, 1, 2, 'simulate_model').get('close'))).toEqual([1, 2]);
    expect(truncateRows(f, 0, null, 'simulate_model').length).toBe(5);
  });
  it('names the key of a date it cannot read', () => {
    expect(() => truncateRows(f, 'yesterday', null, 'simulate_model')).toThrow('simulate_model.data_start: "yesterday" is not a date');
  });
});
