import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { UserError } from '../../src/core/errors.ts';
import { Frame } from '../../src/core/frame.ts';
import { formatTime } from '../../src/core/time.ts';
import { silentProgress } from '../../src/jobs/progress.ts';
import { backtestJob, parseBacktestArgs, parseSpan, runBacktest } from '../../src/jobs/backtest.ts';
import { run as simulate } from '../../src/jobs/simulate.ts';
import { writeCsv } from '../../src/storage/csv.ts';
import { TELEGRAM_LIMIT } from '../../src/core/backtest/report.ts';
import { sampleWithScores } from './realScore.ts';
import type { BotServices } from '../../src/bot/services.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-backtest-'));
  const frame = sampleWithScores();
  writeCsv(path.join(dir, 'BTCUSDT', 'signals.csv'), frame.select(['open', 'high', 'low', 'close', 'trade_score', 'trend_score']));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(extra: Record<string, unknown> = {}, folder = dir): Config {
  return buildConfig(
    {
      data_folder: folder,
      symbol: 'BTCUSDT',
      signal_sets: [
        {
          generator: 'threshold_rule',
          config: { columns: 'trade_score', names: ['buy_signal_column', 'sell_signal_column'], parameters: { buy_signal_threshold: 0.15, sell_signal_threshold: -0.15 } },
        },
      ],
      simulate_model: {
        signal_generator: 'threshold_rule',
        direction: 'long',
        topn_to_store: 10,
        grid: { buy_signal_threshold: [0.02, 0.03, 0.04, 0.05, 0.1, 0.15], sell_signal_threshold: [-0.02, -0.03, -0.04, -0.05, -0.1, -0.15] },
        ...extra,
      },
    },
    { env: {} },
  ).config;
}

const ctx = (c: Config) => ({ config: c, configFile: '', args: [], log: pino({ level: 'silent' }), progress: silentProgress });

describe('runBacktest (the bot’s /backtest)', () => {
  it('returns Telegram messages, a PNG and the metrics for the last 30 days', async () => {
    const r = await runBacktest(config(), { last: '30d', params: { buy: 0.1, sell: -0.1 } });
    expect(r.thresholds).toEqual({ buy: 0.1, sell: -0.1 });
    expect(r.metrics.months).toBeCloseTo((30 * 12) / 365, 2);
    expect(r.metrics.fees).toBe(0.001);
    expect(r.metrics.trades).toBeGreaterThan(0);
    expect(r.trades).toHaveLength(r.metrics.trades);
    for (const m of r.text) expect(m.length).toBeLessThan(TELEGRAM_LIMIT);
    expect(r.text.join('\n')).toContain('trade_score ≥ 0.1 buy, ≤ -0.1 sell');
    expect(r.chartPng.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(r.chartPng.readUInt32BE(16)).toBe(1200);
  });

  it('takes a period between two dates and a direction', async () => {
    const r = await runBacktest(config(), { from: '2025-10-01', to: '2025-10-08', direction: 'short' });
    expect(formatTime(r.metrics.start)).toBe('2025-10-01 00:00:00');
    expect(formatTime(r.metrics.end)).toBe('2025-10-07 23:59:00');
    expect(r.metrics.direction).toBe('short');
    expect(r.trades.every((t) => t.side === 'short')).toBe(true);
  });

  it('computes the signal_sets on predictions.csv when there is no signals.csv', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-predictions-'));
    try {
      const f = sampleWithScores();
      const score = f.get('trade_score');
      f.set('high_20_lc', score.map((v) => (v > 0 ? v : 0)));
      f.set('low_20_lc', score.map((v) => (v < 0 ? -v : Number.isNaN(v) ? NaN : 0)));
      writeCsv(path.join(folder, 'BTCUSDT', 'predictions.csv'), f.select(['close', 'high_20_lc', 'low_20_lc']));
      const c = config({}, folder);
      c.signal_sets.unshift({ generator: 'combine', config: { columns: ['high_20_lc', 'low_20_lc'], names: 'trade_score', combine: 'difference' } });
      const fromPredictions = await runBacktest(c, { last: '30d', params: { buy: 0.1, sell: -0.1 } });
      const fromSignals = await runBacktest(config(), { last: '30d', params: { buy: 0.1, sell: -0.1 } });
      expect(fromPredictions.metrics.trades).toBeGreaterThan(0);
      expect(fromPredictions.metrics).toEqual(fromSignals.metrics);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('says which command makes the missing signals file', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-empty-'));
    await expect(runBacktest(config({}, empty))).rejects.toThrow(UserError);
    await expect(runBacktest(config({}, empty))).rejects.toThrow(/signals\.csv is not in .*; create it with `itb signals -c CONFIG`/);
    fs.rmSync(empty, { recursive: true });
  });

  it('rejects an unknown threshold name in one sentence', async () => {
    await expect(runBacktest(config(), { params: { window: 3 } })).rejects.toThrow('"window" is not a threshold (use buy, sell, buy2, sell2 or');
  });

  it('parses /backtest arguments', () => {
    expect(parseBacktestArgs(['30d', 'buy=0.1', 'sell=-0.2', 'short'])).toEqual({ last: '30d', params: { buy: 0.1, sell: -0.2 }, direction: 'short' });
    expect(parseBacktestArgs(['2025-01-01..2025-02-01'])).toEqual({ from: '2025-01-01', to: '2025-02-01' });
    expect(() => parseBacktestArgs(['soon'])).toThrow(/"soon" is not understood \(usage: \/backtest/);
    expect(() => parseBacktestArgs(['buy=abc'])).toThrow('buy=abc: the value must be a number');
    expect(parseBacktestArgs(['2025-03-01'])).toEqual({ from: '2025-03-01' });
    expect(parseSpan('3m')).toBe(90 * 86_400_000);
    expect(parseSpan('90min')).toBe(90 * 60_000);
  });

  it('uses only bars closed by the clock (a replay’s), continued by the bars the service scored after signals.csv', async () => {
    const clock = Date.UTC(2025, 10, 20, 12, 0);
    const r = await runBacktest(config(), { last: '7d', until: clock });
    expect(formatTime(r.metrics.end)).toBe('2025-11-20 11:59:00');
    // The service scored ten bars after signals.csv's last row (2025-11-30 23:59); the clock has shown six of them.
    const asked: Array<[string, string[]]> = [];
    const scored = (after: number, columns: string[]) => {
      asked.push([formatTime(after), columns]);
      const time = Array.from({ length: 10 }, (_, i) => after + (i + 1) * 60_000);
      return new Frame(time).set('close', time.map(() => 90_000)).set('trade_score', time.map((_, i) => (i % 2 ? -0.5 : 0.5)));
    };
    const served = await runBacktest(config(), { last: '1d', until: Date.UTC(2025, 11, 1, 0, 6), scoredAfter: scored });
    expect(asked).toEqual([['2025-11-30 23:59:00', ['trade_score']]]);
    expect(formatTime(served.metrics.end)).toBe('2025-12-01 00:05:00');
  });

  it('says a reversed period is reversed', async () => {
    const reversed = 'the period 2025-11-20..2025-11-10 is reversed: it starts after it ends (write 2025-11-10..2025-11-20)';
    await expect(runBacktest(config(), { from: '2025-11-20', to: '2025-11-10' })).rejects.toThrow(reversed);
    await expect(backtestJob(config(), { period: '2025-11-20..2025-11-10', params: {} })).rejects.toThrow(reversed);
  });

  it('uses simulate_model’s data window when no period is given', async () => {
    const r = await runBacktest(config({ data_start: '2025-11-01', data_end: 1440 }));
    expect(formatTime(r.metrics.start)).toBe('2025-11-01 00:00:00');
    expect(formatTime(r.metrics.end)).toBe('2025-11-29 23:59:00');
  });

  it('serves the bot’s job runner: plain summary, PNG, parameters as typed', async () => {
    const progress: number[] = [];
    const r = await backtestJob(
      config(),
      { period: '2w', params: { buy_signal_threshold: '0.12', sell_signal_threshold: '-0.12', direction: 'short' } },
      (ev) => progress.push(ev.done),
    );
    expect(r.result.thresholds).toEqual({ buy: 0.12, sell: -0.12 });
    expect(r.result.metrics.direction).toBe('short');
    expect(r.summary.split('\n')[0]).toMatch(/^Backtest BTCUSDT · short · 2025-11-16 23:59 → 2025-11-30 23:59/);
    expect(r.summary).not.toContain('```');
    expect(Buffer.from(r.png).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(progress).toEqual([0, 1]);
    await expect(backtestJob(config(), { params: { window: '5' } })).rejects.toThrow(/"window" is not a threshold/);
    // It plugs into the bot's services as it is (checked by tsc).
    const service: NonNullable<BotServices['backtest']> = (request, report, signal) => backtestJob(config(), request, report, signal);
    expect((await service({ period: '1d', params: {} }, () => {}, new AbortController().signal)).summary).toContain('Backtest BTCUSDT');
  });
});

describe('itb simulate', () => {
  it('appends the best 10 of the 6×6 grid in the original layout, writes the metrics JSON and a chart', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await simulate(ctx(config()))).toBe(0);
      expect(await simulate(ctx(config()))).toBe(0);
    } finally {
      out.mockRestore();
    }
    const txt = fs.readFileSync(path.join(dir, 'BTCUSDT', 'signal_models.txt'), 'utf8');
    const blocks = txt.split('\n\n').filter(Boolean);
    expect(blocks).toHaveLength(2); // the header only on the new file
    const lines = blocks[0]!.split('\n');
    expect(lines[0]).toBe('buy_signal_threshold,sell_signal_threshold,#transactions,profit,%profit,#profitable,%profitable,profit/T,%profit/T,#transactions/M,profit/M,%profit/M');
    expect(lines).toHaveLength(11);
    const perMonth = lines.slice(1).map((l) => Number(l.split(',')[11]));
    expect([...perMonth].sort((a, b) => b - a)).toEqual(perMonth);
    expect(blocks[1]!.split('\n')).toEqual(lines.slice(1));

    const json = JSON.parse(fs.readFileSync(path.join(dir, 'BTCUSDT', 'signal_models.json'), 'utf8'));
    expect(json.combinations).toBe(36);
    expect(json.models).toHaveLength(10);
    expect(json.models[0].performance['%profit/M']).toBe(perMonth[0]);
    expect(Object.keys(json.models[0].metrics)).toEqual(expect.arrayContaining(['sharpe', 'sortino', 'calmar', 'maxDrawdown', 'profitFactor', 'buyAndHold']));
    const png = fs.readFileSync(path.join(dir, 'BTCUSDT', 'signal_models.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('sorts by another metric and respects data_start / data_end', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await simulate(ctx(config({ sort_by: 'sharpe', data_start: '2025-10-01', data_end: '2025-11-01', topn_to_store: 5 })));
    } finally {
      out.mockRestore();
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'BTCUSDT', 'signal_models.json'), 'utf8'));
    expect(json.start).toBe('2025-10-01 00:00:00');
    expect(json.end).toBe('2025-10-31 23:59:00');
    const sharpes = json.models.map((m: { metrics: { sharpe: number } }) => m.metrics.sharpe);
    expect([...sharpes].sort((a, b) => b - a)).toEqual(sharpes);
  });

  it('refuses a Python expression in the grid before doing any work', async () => {
    await expect(simulate(ctx(config({ grid: { buy_signal_threshold: 'np.arange(0.0,0.5,0.1).tolist()' } })))).rejects.toThrow(/never evaluated/);
  });

  it('names a signal generator it cannot vary', async () => {
    await expect(simulate(ctx(config({ signal_generator: 'combine' })))).rejects.toThrow('simulate_model.signal_generator "combine" is not among the signal_sets generators (threshold_rule)');
  });
});
