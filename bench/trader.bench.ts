/**
 * The paper trader over the bundled 90 days of real 1m BTCUSDT bars, file-backed as in the
 * service (state, wallet, transactions.txt): time per bar and what a replay costs in writes.
 * Signals are a simple mean-reversion rule so that orders are placed, filled and cancelled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig } from '../src/config/load.ts';
import { openTrader } from '../src/core/trader/openTrader.ts';
import { MINUTE } from '../src/core/time.ts';
import { readCsv } from '../src/storage/csv.ts';
import { peakRssMb, type BenchRow } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;

export async function bench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-trader-'));
  const config = buildConfig({ symbol: 'BTCUSDT', freq: '1min', data_folder: dir, trader: { mode: 'paper', initial_balances: { USDT: 1000 } } }, { env: {} }).config;
  const k = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  const [open, high, low, close, volume] = ['open', 'high', 'low', 'close', 'volume'].map((c) => k.get(c));
  let now = 0;
  const { trader } = await openTrader(config, { clock: () => now });
  await trader.start();

  const W = 60;
  let sum = 0;
  let messages = 0;
  const t0 = performance.now();
  for (let i = 0; i < k.length; i++) {
    sum += close![i]!;
    if (i >= W) sum -= close![i - W]!;
    const mean = i >= W - 1 ? sum / W : NaN;
    now = k.time[i]! + MINUTE + 1000;
    const tick = await trader.onBar({
      time: k.time[i]!,
      open: open![i]!,
      high: high![i]!,
      low: low![i]!,
      close: close![i]!,
      volume: volume![i]!,
      buy: close![i]! < mean * 0.997,
      sell: close![i]! > mean * 1.003,
    });
    messages += tick.messages.length;
  }
  const ms = performance.now() - t0;
  const s = trader.stats();
  const bars = k.length;
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    { area: 'trader', name: `paper trader, ${bars} real 1m bars (90 days), file-backed`, value: (ms * 1000) / bars, unit: 'µs/bar', note: `${s.trades} round trips, ${messages} notifications, realised ${s.realised.toFixed(2)} USDT` },
    { area: 'trader', name: 'paper trader replay, whole 90 days', value: ms / 1000, unit: 's' },
    { area: 'trader', name: 'peak RSS (bench process)', value: peakRssMb(), unit: 'MB' },
  ];
}
