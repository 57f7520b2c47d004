/**
 * The paper trader over the bundled 90 days of real 1m BTCUSDT bars, file-backed as in the
 * service (state, wallet, transactions.txt): time per bar and what a replay costs in writes.
 * Signals are a simple mean-reversion rule so that orders are placed, filled and cancelled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig } from '../src/config/load.ts';
import { openTrader } from '../src/app/trader.ts';
import { PaperBroker } from '../src/core/trader/paperBroker.ts';
import { Trader, initialTraderState, type TraderBar, type TraderTick } from '../src/core/trader/trader.ts';
import { MINUTE, parseFreq } from '../src/core/time.ts';
import type { Frame } from '../src/core/frame.ts';
import { readCsv } from '../src/storage/csv.ts';
import { peakRssMb, type BenchRow } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** Feeds every bar of the sample with a mean-reversion signal; returns the ms spent in onBar and the notifications. */
async function replay(k: Frame, onBar: (b: TraderBar) => Promise<TraderTick>, setNow: (ms: number) => void): Promise<{ ms: number; messages: number }> {
  const [open, high, low, close, volume] = ['open', 'high', 'low', 'close', 'volume'].map((c) => k.get(c));
  const W = 60;
  let sum = 0;
  let messages = 0;
  const t0 = performance.now();
  for (let i = 0; i < k.length; i++) {
    sum += close![i]!;
    if (i >= W) sum -= close![i - W]!;
    const mean = i >= W - 1 ? sum / W : NaN;
    setNow(k.time[i]! + MINUTE + 1000);
    const tick = await onBar({
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
  return { ms: performance.now() - t0, messages };
}

export async function bench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-trader-'));
  const config = buildConfig({ symbol: 'BTCUSDT', freq: '1min', data_folder: dir, trader: { mode: 'paper', initial_balances: { USDT: 1000 } } }, { env: {} }).config;
  const k = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  const bars = k.length;

  // The state machine alone: wallet and state in memory.
  let now = 0;
  const state = initialTraderState(1000);
  state.mode = 'paper';
  state.modeChosen = true;
  const memory = new Trader({
    symbol: 'BTCUSDT',
    freq: parseFreq('1min'),
    settings: config.trader,
    paper: new PaperBroker({ initialBalances: { USDT: 1000 }, fees: config.trader.fees, clock: () => now }),
    store: { data: state, write: async () => {} },
    clock: () => now,
  });
  const inMemory = await replay(k, (b) => memory.onBar(b), (ms) => (now = ms));

  // As the service runs it: state, wallet and transactions.txt on disk, atomic writes.
  const { trader } = await openTrader(config, { clock: () => now });
  await trader.start();
  const onDisk = await replay(k, (b) => trader.onBar(b), (ms) => (now = ms));
  const s = trader.stats();
  fs.rmSync(dir, { recursive: true, force: true });
  const orders = s.trades * 2;
  return [
    { area: 'trader', name: `paper trader in memory, ${bars} real 1m bars (90 days)`, value: (inMemory.ms * 1000) / bars, unit: 'µs/bar', note: `state machine + paper matching only` },
    { area: 'trader', name: 'paper trader file-backed (as in the service)', value: (onDisk.ms * 1000) / bars, unit: 'µs/bar', note: `${s.trades} round trips (${orders}+ orders), ${onDisk.messages} notifications, realised ${s.realised.toFixed(2)} USDT; I/O-bound: every tick that changes an order is one fsync'd atomic write of trader.json` },
    { area: 'trader', name: 'paper trader file-backed, whole 90 days', value: onDisk.ms / 1000, unit: 's' },
    { area: 'trader', name: 'peak RSS (bench process)', value: peakRssMb(), unit: 'MB' },
  ];
}
