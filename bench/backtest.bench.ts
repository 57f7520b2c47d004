/**
 * Backtest benchmarks (issue #5): the original's 6×6 threshold grid and a 10,000-combination
 * threshold_rule2 grid over one year of real BTCUSDT 1m candles (the baseline's year: the
 * last 525,600 rows of ../shared/data/BTCUSDT-1m.csv.gz).
 *
 * The scores are not model predictions (none are trained here): `trade_score` is a
 * deterministic mean-reversion transform of the real close (−0.2·tanh(z/2), z = the close's
 * z-score over 60 rows), `trend_score` the 15-row momentum of the close in %. Both look only
 * at past rows and cross the thresholds about as often as a trained model's score does.
 */
import fs from 'node:fs';
import { withScores } from '../test/backtest/realScore.ts';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../src/config/load.ts';
import { expandGrid, parseGrid } from '../src/core/backtest/grid.ts';
import { evaluateRules } from '../src/core/backtest/gridSearch.ts';
import { readScoreRule, thresholdsFor } from '../src/core/backtest/scoreRule.ts';
import type { Frame } from '../src/core/frame.ts';
import { silentProgress } from '../src/shared/progress.ts';
import { run as simulate } from '../src/jobs/simulate.ts';
import { readCsv, writeCsv } from '../src/storage/csv.ts';
import { peakRssMb, SHARED_DATA, timeIt, type BenchRow } from './lib.ts';

const YEAR_ROWS = 525_600;
const SAMPLE_GRID = {
  buy_signal_threshold: [0.02, 0.03, 0.04, 0.05, 0.1, 0.15],
  sell_signal_threshold: [-0.02, -0.03, -0.04, -0.05, -0.1, -0.15],
};
const range = (start: number, step: number) => Array.from({ length: 10 }, (_, i) => Number((start + i * step).toFixed(6)));
const BIG_GRID = {
  buy_signal_threshold: range(0.02, 0.02),
  buy_signal_threshold_2: range(-0.45, 0.1),
  sell_signal_threshold: range(-0.02, -0.02),
  sell_signal_threshold_2: range(0.45, -0.1),
};

export function yearWithScores(): Frame {
  return withScores(readCsv(path.join(SHARED_DATA, 'BTCUSDT-1m.csv.gz'), { columns: ['open', 'high', 'low', 'close'] }).tail(YEAR_ROWS));
}

export async function bench(): Promise<BenchRow[]> {
  const frame = yearWithScores();
  const data = { time: frame.time, price: frame.get('close'), score: frame.get('trade_score'), score2: frame.get('trend_score') };
  const run = { direction: 'long' as const, costs: { fees: 0.001, slippage: 0 } };
  const rows: BenchRow[] = [];

  const rule1 = readScoreRule({ generator: 'threshold_rule', config: { columns: 'trade_score', names: ['b', 's'], parameters: {} } }, 'bench');
  const rules1 = expandGrid(parseGrid(SAMPLE_GRID, false)).map((p) => thresholdsFor(rule1, p));
  const one = { time: data.time, price: data.price, score: data.score };
  const gridMs = await timeIt(() => evaluateRules(one, rules1, run), 3);
  rows.push({
    name: 'simulate 6×6 grid, 1 year 1m, grid loop (36 combinations)',
    value: gridMs / 1000,
    unit: 's',
    baseline: 0.21 * 36,
    baselineLabel: 'ITB grid loop 0.21 s/comb ×36',
    target: '< 1 s',
    note: `${(gridMs / 36).toFixed(1)} ms/combination, all metrics; score: transform of real closes`,
  });

  // End to end like the original's script: read signals.csv, grid, write txt/json/png.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-backtest-'));
  try {
    writeCsv(path.join(dir, 'BTCUSDT', 'signals.csv'), frame.select(['open', 'high', 'low', 'close', 'trade_score']));
    const config = buildConfig(
      {
        data_folder: dir,
        symbol: 'BTCUSDT',
        signal_sets: [{ generator: 'threshold_rule', config: { columns: 'trade_score', names: ['buy', 'sell'], parameters: {} } }],
        simulate_model: { signal_generator: 'threshold_rule', direction: 'long', grid: SAMPLE_GRID },
      },
      { env: {} },
    ).config;
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    let jobMs: number;
    try {
      jobMs = await timeIt(() => simulate({ config, configFile: '', args: [], log: pino({ level: 'silent' }), progress: silentProgress }));
    } finally {
      process.stdout.write = write;
    }
    rows.push({
      name: 'itb simulate 6×6, 1 year 1m, end to end (CSV in, txt/json/png out)',
      value: jobMs / 1000,
      unit: 's',
      baseline: 11.3,
      baselineLabel: 'ITB simulate',
      note: 'in-process (no node start-up); includes reading the 525,600-row signals.csv and the chart',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const rule2 = readScoreRule({ generator: 'threshold_rule2', config: { columns: ['trade_score', 'trend_score'], names: ['b', 's'], parameters: {} } }, 'bench');
  const rules2 = expandGrid(parseGrid(BIG_GRID, false)).map((p) => thresholdsFor(rule2, p));
  let trades = 0;
  const cpu0 = process.cpuUsage();
  const bigMs = await timeIt(async () => {
    const res = await evaluateRules(data, rules2, { ...run, direction: 'both' });
    trades = res.reduce((s, m) => s + m.trades, 0) / res.length;
  });
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  rows.push({
    name: '10,000 combinations threshold_rule2 (2 scores × 2 thresholds), 1 year 1m',
    value: bigMs / 1000,
    unit: 's',
    baseline: 0.31 * 10_000,
    baselineLabel: 'ITB 0.31 s/comb ×10,000 (extrapolated)',
    target: '< 60 s on 2 cores',
    note: `${cores} worker threads, direction both, ${(bigMs / 10_000).toFixed(2)} ms/combination, mean ${trades.toFixed(0)} trades/combination; load average ${os.loadavg()[0]!.toFixed(1)}`,
  });
  rows.push({
    name: '10,000 combinations threshold_rule2: CPU time of all threads',
    value: cpuS,
    unit: 's',
    note: `${((1000 * cpuS) / 10_000).toFixed(2)} ms CPU/combination; wall ≈ CPU / ${cores} on an idle machine`,
  });
  rows.push({ name: 'peak RSS of the backtest bench', value: peakRssMb(), unit: 'MB', baseline: 363, baselineLabel: 'ITB simulate' });
  return rows;
}
