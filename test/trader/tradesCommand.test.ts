import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { openTrader } from '../../src/core/trader/openTrader.ts';
import { bar } from './harness.ts';

const MIN = 60_000;

/** A paper round trip through the file-backed trader, as the service runs it. */
async function tradedFolder(): Promise<{ dir: string; configFile: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-trades-'));
  const raw = { symbol: 'BTCUSDT', freq: '1min', data_folder: dir, trader: { mode: 'paper', initial_balances: { USDT: 1000 } } };
  const configFile = path.join(dir, 'config.jsonc');
  fs.writeFileSync(configFile, JSON.stringify(raw));
  const config = buildConfig(raw, { env: {} }).config;
  let now = 0;
  const step = async (trader: Awaited<ReturnType<typeof openTrader>>['trader'], c: ReturnType<typeof bar>, s: { buy?: boolean; sell?: boolean } = {}) => {
    now = c.time + MIN + 1000;
    return trader.onBar({ ...c, buy: !!s.buy, sell: !!s.sell });
  };
  const first = await openTrader(config, { clock: () => now });
  await first.trader.start();
  await step(first.trader, bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
  expect(first.trader.book.status).toBe('BUYING');

  // A restart from the files: the open order and the wallet are where they were.
  const second = await openTrader(config, { clock: () => now });
  await second.trader.start();
  expect(second.trader.book.status).toBe('BUYING');
  await step(second.trader, bar(1, 99_950, 100_000, 99_850, 99_900));
  await step(second.trader, bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
  const sold = await step(second.trader, bar(3, 101_050, 101_200, 101_000, 101_150));
  expect(sold.messages[0]).toMatch(/^⚡💰 \*SOLD 0\.0099 BTC at 101,101\.00 USDT\* · paper\n/);
  expect(second.trader.book.status).toBe('SOLD');
  expect(fs.readFileSync(path.join(dir, 'BTCUSDT', 'transactions.txt'), 'utf8').trim().split('\n')).toHaveLength(3);
  const profit = await second.control.profit();
  expect(profit).toMatchObject({ trades: 1, wins: 1, losses: 0, quoteAsset: 'USDT', winRatePercent: 100 });
  const trades = await second.control.trades(5);
  expect(trades.map((t) => t.side)).toEqual(['SELL', 'BUY']);
  expect(await second.control.status()).toMatchObject({ mode: 'paper', state: 'SOLD', openOrders: 0 });
  return { dir, configFile };
}

describe('itb trades', () => {
  it('prints the balance, the profit figures and the recent trades of the persisted trader', async () => {
    const { configFile } = await tradedFolder();
    const out = execFileSync(process.execPath, ['bin/itb.mjs', 'trades', '-c', configFile, '5'], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'error' } });
    const expectedProfit = 0.0099 * 101_101 * 0.999 - 0.0099 * 99_900 * 1.001;
    expect(out).toContain('Trader BTCUSDT: mode paper, state SOLD');
    expect(out).toMatch(new RegExp(`Balance: USDT ${(1000 + expectedProfit).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`));
    expect(out).toContain(`Profit: realised +${expectedProfit.toFixed(2)} USDT (+${((100 * expectedProfit) / 1000).toFixed(2)}%) over 1 trade`);
    expect(out).toContain('Win rate 100.0% (1/1) · profit factor ∞');
    const entry = 0.0099 * 99_900 * 1.001;
    expect(out).toContain(`2025-01-06       +${expectedProfit.toFixed(2)} USDT  1 trade`);
    expect(out).toContain(`SELL  0.00990000 @ 101,101.00  +${expectedProfit.toFixed(2)} USDT (+${((100 * expectedProfit) / entry).toFixed(2)}%)`);
    expect(out).toMatch(/BUY {3}0\.00990000 @ 99,900\.00\n/);
  });

  it('says so when there is no trader state yet, and rejects a bad count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-trades-'));
    const configFile = path.join(dir, 'config.jsonc');
    fs.writeFileSync(configFile, JSON.stringify({ symbol: 'BTCUSDT', data_folder: dir }));
    const out = execFileSync(process.execPath, ['bin/itb.mjs', 'trades', '-c', configFile], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'error' } });
    expect(out).toMatch(/^No trader state yet \(.*trader\.json\): the paper trader starts with USDT 1000 when the service runs\.\n$/);
    let err = '';
    try {
      execFileSync(process.execPath, ['bin/itb.mjs', 'trades', '-c', configFile, 'many'], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, LOG_LEVEL: 'error' } });
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toContain('usage: itb trades -c CONFIG [N] (N = how many recent trades to show, default 10)');
  });
});
