import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import { openTrader } from '../../src/app/trader.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { attachOrderEndpoints } from '../fakes/binanceOrders.ts';
import { readmePromises } from '../readmePromises.ts';
import { FEE, MIN, T0, bar } from './harness.ts';

const FEE_IN_BASE_PROMISE =
  "Commission taken in the base asset is booked net: `/trade status`, `/balance` and the ledger agree with the account to the lot step, also after a full buy–sell round trip.";

describe('live trading end to end (config → ccxt → loopback fake)', () => {
  let fake: FakeBinance | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** The service's trader from a config on the fake exchange, started (in paper: live needs an admin). */
  const opened = async (usdt: number, fees: { inBnbAt?: number } = {}) => {
    fake = await startFakeBinance({ now: T0 });
    const bnb = fees.inBnbAt;
    const book = attachOrderEndpoints(fake, { balances: bnb ? { USDT: usdt, BNB: 1 } : { USDT: usdt }, fee: FEE, apiKey: 'live-key-abcdef', commission: bnb ? 'BNB' : 'received' });
    // BNB's own market, listed before the trader loads the markets: a steady price all along
    if (bnb) book.setCandles('BNBUSDT', Array.from({ length: 20 }, (_, i) => bar(i - 5, bnb, bnb, bnb, bnb)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-live-'));
    const config = buildConfig(
      { symbol: 'BTCUSDT', freq: '1min', data_folder: dir, exchange: { api_root: fake.url, timeout_ms: 2000, retries: 1, retry_base_ms: 10 }, trader: { mode: 'live' } },
      { env: { EXCHANGE_API_KEY: 'live-key-abcdef', EXCHANGE_API_SECRET: 'live-secret-abcdef' } },
    ).config;
    let now = T0;
    const { trader, control } = await openTrader(config, { clock: () => now });
    await trader.start();
    const candles: Candle[] = [];
    const step = async (c: Candle, s: { buy?: boolean; sell?: boolean } = {}) => {
      candles.push(c);
      book.setCandles('BTCUSDT', candles);
      now = c.time + MIN + 1000;
      book.setNow(now);
      return trader.onBar({ ...c, buy: !!s.buy, sell: !!s.sell });
    };
    return { book, dir, trader, control, step };
  };

  it('an admin switches to live, the trader buys and sells on the exchange, and the figures match the exchange', async () => {
    const { book, dir, trader, control, step } = await opened(1000);
    expect(trader.mode).toBe('paper');
    expect(await control.setMode('live')).toBe('Trading is now live.');
    await step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(book.orders[0]).toMatchObject({ side: 'BUY', type: 'LIMIT', price: 99_900, origQty: 0.0099, clientOrderId: expect.stringMatching(/^itb-BTCUSDT-/) });
    await step(bar(1, 99_950, 100_000, 99_850, 99_900));
    await step(bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
    const sold = await step(bar(3, 101_050, 101_200, 101_000, 101_150));
    expect(sold.messages[0]).toMatch(/^⚡💰 \*SOLD 0\.00989 BTC at 101,101\.00 USDT\* · live\nGot 998\.89 USDT · fee 1\.00 USDT\nProfit: \+9\.89 USDT \(\+1\.00%\)$/);
    expect(book.orders.map((o) => o.status)).toEqual(['FILLED', 'FILLED']);

    // Fees come from the exchange's trade list (the buy's in BTC), so the realised profit is what
    // the account gained, less the cost of the BTC dust under one lot step that stays.
    const profit = await control.profit();
    const gained = book.balances.USDT!.free - 1000;
    expect(profit.trades).toBe(1);
    expect(gained).toBeCloseTo(0.00989 * 101_101 * (1 - FEE) - 0.0099 * 99_900, 6);
    expect(profit.realisedQuote).toBeCloseTo(gained + 0.0000001 * (0.0099 * 99_900) / 0.0098901, 6);
    expect((await control.balance()).USDT!.free).toBeCloseTo(1000 + gained, 6);
    expect(await control.status()).toMatchObject({ mode: 'live', state: 'SOLD', openOrders: 0, position: '0.0000001 BTC' });
    const trades = await control.trades(10);
    expect(trades.map((t) => [t.side, t.mode])).toEqual([['SELL', 'live'], ['BUY', 'live']]);

    // the kill switch: an open order is cancelled on the exchange
    await step(bar(4, 101_100, 101_200, 101_000, 101_100), { buy: true });
    expect(await control.setMode('off')).toBe('Trading is now off; 1 open order cancelled; positions are kept as they are.');
    expect(book.orders[2]!.status).toBe('CANCELED');
    expect(JSON.stringify(fs.readFileSync(path.join(dir, 'BTCUSDT', 'trader.json'), 'utf8'))).not.toContain('live-secret');
  });

  it('commission paid in BNB is booked in USDT at BNB\'s last price: the realised profit is what the account gained, the BNB spent included', async () => {
    const { book, control, step } = await opened(1000, { inBnbAt: 600 });
    await control.setMode('live');
    await step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await step(bar(1, 99_950, 100_000, 99_850, 99_900));
    await step(bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
    await step(bar(3, 101_050, 101_200, 101_000, 101_150));
    expect(book.orders.map((o) => o.status)).toEqual(['FILLED', 'FILLED']);
    expect(book.orders.flatMap((o) => o.fills.map((f) => f.commissionAsset))).toEqual(['BNB', 'BNB']);
    const usdtGained = book.balances.USDT!.free - 1000;
    const bnbSpent = 1 - book.balances.BNB!.free;
    expect(bnbSpent).toBeCloseTo(((0.0099 * 99_900 + 0.0099 * 101_101) * FEE) / 600, 8); // each fee to 8 decimals
    // the whole position was sold: no BTC dust, as the fees did not come out of it
    expect(book.balances.BTC!.free).toBeCloseTo(0, 12);
    const profit = await control.profit();
    expect(profit.trades).toBe(1);
    expect(profit.realisedQuote).toBeCloseTo(usdtGained - bnbSpent * 600, 6);
    expect(await control.status()).toMatchObject({ mode: 'live', state: 'SOLD', openOrders: 0 });
  });

  it('commission taken in BTC is booked net: /trade status, /balance and the ledger agree with the account to the lot step, also after the round trip', async () => {
    const { book, trader, control, step } = await opened(10_000);
    await control.setMode('live');
    const STEP = 0.00001;
    const agree = async () => {
      const account = book.balances.BTC!.free + book.balances.BTC!.locked;
      const position = trader.stats().position;
      expect(Math.abs(position - account)).toBeLessThan(STEP);
      expect(Math.abs(Number((await control.balance()).BTC!.free) - account)).toBeLessThan(STEP);
      const shown = (await control.status()).position;
      expect(Math.abs(Number(shown?.replace(' BTC', '') ?? 0) - account)).toBeLessThan(STEP);
      return account;
    };
    await step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await step(bar(1, 99_950, 100_000, 99_850, 99_900));
    expect(book.orders[0]).toMatchObject({ side: 'BUY', status: 'FILLED', origQty: 0.09909 });
    // 0.09909 bought, 0.00009909 of it (about 10 lot steps) kept by the exchange as commission
    expect(await agree()).toBeCloseTo(0.09909 * (1 - FEE), 12);
    await step(bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
    expect(book.orders[1]).toMatchObject({ side: 'SELL', origQty: 0.09899 });
    await step(bar(3, 101_050, 101_200, 101_000, 101_150));
    expect(book.orders[1]!.status).toBe('FILLED');
    expect(await agree()).toBeCloseTo(0.09909 * (1 - FEE) - 0.09899, 12);
    expect(await control.status()).toMatchObject({ state: 'SOLD' });
    expect(readmePromises()).toContain(FEE_IN_BASE_PROMISE);
  });
});
