import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { parseTime } from '../../src/core/time.ts';
import { silentProgress } from '../../src/jobs/progress.ts';
import { runBacktest } from '../../src/jobs/backtest.ts';
import { run as simulate } from '../../src/jobs/simulate.ts';
import { run as signals } from '../../src/jobs/signals.ts';
import { readWalkForward, walkForwardPath, withThresholdsInForce } from '../../src/jobs/walkForward.ts';
import { readCsv, writeCsv } from '../../src/storage/csv.ts';
import { sampleWithScores } from './realScore.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-walk-forward-'));
  const frame = sampleWithScores();
  writeCsv(path.join(dir, 'BTCUSDT', 'signals.csv'), frame.select(['close', 'trade_score']));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(rule: Record<string, unknown> = {}, walkForward: unknown = { train_months: 1, test_months: 0.5 }): Config {
  return buildConfig(
    {
      data_folder: dir,
      symbol: 'BTCUSDT',
      signal_sets: [
        {
          generator: 'threshold_rule',
          config: { columns: 'trade_score', names: ['buy_signal_column', 'sell_signal_column'], parameters: { buy_signal_threshold: 0.12, sell_signal_threshold: -0.12 }, ...rule },
        },
      ],
      simulate_model: {
        signal_generator: 'threshold_rule',
        grid: { buy_signal_threshold: [0.02, 0.05, 0.1, 0.15], sell_signal_threshold: [-0.02, -0.05, -0.1, -0.15] },
        walk_forward: walkForward,
      },
    },
    { env: {} },
  ).config;
}

function logger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { log, lines };
}

const ctx = (c: Config, log = pino({ level: 'silent' })) => ({ config: c, configFile: '', args: [], log, progress: silentProgress });

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return await fn();
  } finally {
    out.mockRestore();
  }
}

describe('itb simulate with simulate_model.walk_forward', () => {
  it('writes the walk-forward run: periods trained before their test rows, out-of-sample figures beside buy-and-hold, the thresholds for the bars to come', async () => {
    let printed = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((printed += String(s)), true));
    try {
      expect(await simulate(ctx(config()))).toBe(0);
    } finally {
      out.mockRestore();
    }
    const record = readWalkForward(config())!;
    expect(record.periods.length).toBeGreaterThanOrEqual(3);
    for (const p of record.periods) expect(parseTime(p.train[1])).toBeLessThan(parseTime(p.test[0]));
    for (let k = 1; k < record.periods.length; k++) expect(parseTime(record.periods[k]!.test[0])).toBe(parseTime(record.periods[k - 1]!.test[1]) + 60_000);
    // Buy-and-hold over exactly the out-of-sample rows.
    const frame = readCsv(path.join(dir, 'BTCUSDT', 'signals.csv'));
    const close = frame.get('close');
    const first = close[frame.lowerBound(parseTime(record.out_of_sample.start))]!;
    const last = close[frame.length - 1]!;
    expect(record.out_of_sample.end).toBe('2025-11-30 23:59:00');
    expect(record.out_of_sample.buyAndHold).toBeCloseTo((100 * (last - first)) / first, 9);
    expect(record.thresholds.train[1]).toBe('2025-11-30 23:59:00');
    expect(record.fees).toBe(0.001);
    expect(printed).toContain('In sample: the best combination on the rows it was chosen on, not an expected performance.');
    expect(printed).toContain(`Walk-forward (out of sample) BTCUSDT · long · ${record.out_of_sample.start.slice(0, 16)} → 2025-11-30 23:59`);
    expect(printed).toMatch(/Equity return [+-]\d+\.\d\d % {2}· {2}buy and hold [+-]\d+\.\d\d %/);
  });

  it('without walk_forward writes no walk-forward run (the original’s simulate)', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-no-wf-'));
    try {
      fs.mkdirSync(path.join(other, 'BTCUSDT'));
      fs.copyFileSync(path.join(dir, 'BTCUSDT', 'signals.csv'), path.join(other, 'BTCUSDT', 'signals.csv'));
      const c = { ...config({}, null), data_folder: other };
      await quietly(() => simulate(ctx(c)));
      expect(fs.existsSync(walkForwardPath(c))).toBe(false);
      expect(fs.existsSync(path.join(other, 'BTCUSDT', 'signal_models.txt'))).toBe(true);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('thresholds in force', () => {
  beforeAll(async () => {
    if (!readWalkForward(config())) await quietly(() => simulate(ctx(config())));
  });

  it('a rule with parameters_from "walk_forward" takes the thresholds of the last run, and the log says which and from where', () => {
    const record = readWalkForward(config())!;
    const { log, lines } = logger();
    const c = withThresholdsInForce(config({ parameters_from: 'walk_forward' }), log);
    expect(c.signal_sets[0]!.config.parameters).toEqual({ ...record.thresholds.parameters });
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^signal_sets\[0\] threshold_rule on trade_score: thresholds in force buy ≥ [-\d.]+, sell ≤ [-\d.]+, from the walk-forward run of .* UTC \(.*signal_models\.walk-forward\.json; fitted on .* → 2025-11-30 23:59\)$/),
    ]);
    // Without the key the config's own thresholds stay, and nothing is said.
    const { log: quiet, lines: none } = logger();
    expect(withThresholdsInForce(config(), quiet).signal_sets[0]!.config.parameters).toEqual({ buy_signal_threshold: 0.12, sell_signal_threshold: -0.12 });
    expect(none).toEqual([]);
  });

  it('keeps the config’s thresholds and says so when there is no run, or a run of another rule; a bad value is one sentence', () => {
    const { log, lines } = logger();
    const empty = { ...config({ parameters_from: 'walk_forward' }), data_folder: fs.mkdtempSync(path.join(os.tmpdir(), 'itb-no-run-')) };
    expect(withThresholdsInForce(empty, log).signal_sets[0]!.config.parameters).toEqual({ buy_signal_threshold: 0.12, sell_signal_threshold: -0.12 });
    expect(lines.at(-1)!.msg).toMatch(/^signal_sets\[0\] threshold_rule: no walk-forward run yet \(.*\): the config's thresholds are in force: buy ≥ 0.12, sell ≤ -0.12$/);
    const other = config({ parameters_from: 'walk_forward', columns: 'trend_score' });
    expect(withThresholdsInForce(other, log).signal_sets[0]!.config.parameters).toEqual({ buy_signal_threshold: 0.12, sell_signal_threshold: -0.12 });
    expect(lines.at(-1)!.msg).toContain('was made for threshold_rule on trade_score, not this rule');
    expect(() => withThresholdsInForce(config({ parameters_from: 'last_run' }))).toThrow(
      'config: key signal_sets[0].config.parameters_from: expected "walk_forward" (or leave it out), got "last_run"',
    );
  });

  it('itb signals computes the buy/sell columns with the thresholds in force', async () => {
    const record = readWalkForward(config())!;
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-wf-signals-'));
    try {
      // predictions.csv with the two model scores; combine makes trade_score as in the sample configs.
      const f = sampleWithScores();
      const score = f.get('trade_score');
      f.set('high_lc', score.map((v) => (v > 0 ? v : 0)));
      f.set('low_lc', score.map((v) => (v < 0 ? -v : Number.isNaN(v) ? NaN : 0)));
      writeCsv(path.join(folder, 'BTCUSDT', 'predictions.csv'), f.select(['close', 'high_lc', 'low_lc']));
      fs.copyFileSync(walkForwardPath(config()), path.join(folder, 'BTCUSDT', 'signal_models.walk-forward.json'));
      const c = { ...config({ parameters_from: 'walk_forward' }), data_folder: folder, train: true };
      c.signal_sets.unshift({ generator: 'combine', config: { columns: ['high_lc', 'low_lc'], names: 'trade_score', combine: 'difference' } });
      await signals(ctx(c));
      const out = readCsv(path.join(folder, 'BTCUSDT', 'signals.csv'));
      const s = out.get('trade_score');
      const buy = out.get('buy_signal_column');
      const threshold = record.thresholds.parameters.buy_signal_threshold!;
      expect(threshold).not.toBe(0.12); // else this test could not tell
      let checked = 0;
      for (let i = 0; i < out.length; i++) {
        if (!Number.isFinite(s[i]!)) continue;
        expect(buy[i]).toBe(s[i]! >= threshold ? 1 : 0);
        checked++;
      }
      expect(checked).toBeGreaterThan(100_000);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('/backtest shows the walk-forward result beside buy-and-hold, and says when its own figures are in sample', async () => {
    const inForce = await runBacktest(config({ parameters_from: 'walk_forward' }), { last: '7d' });
    expect(inForce.plain[0]).toMatch(/^In sample: the thresholds in force were fitted on .* → 2025-11-30 23:59, which this period overlaps/);
    const text = inForce.plain.join('\n');
    expect(text).toMatch(/Walk-forward \(out of sample\) BTCUSDT · long/);
    expect(text).toMatch(/Equity return [+-]\d+\.\d\d % {2}· {2}buy and hold [+-]\d+\.\d\d %/);
    const record = readWalkForward(config())!;
    expect(inForce.thresholds.buy).toBe(record.thresholds.parameters.buy_signal_threshold);
    // Thresholds typed by the admin, or a period before the fit: no such warning.
    const typed = await runBacktest(config({ parameters_from: 'walk_forward' }), { last: '7d', params: { buy: 0.1, sell: -0.1 } });
    expect(typed.plain[0]).toMatch(/^Backtest BTCUSDT/);
    const before = await runBacktest(config({ parameters_from: 'walk_forward' }), { from: '2025-09-10', to: '2025-09-20' });
    expect(before.plain[0]).toMatch(/^Backtest BTCUSDT/);
  });
});
