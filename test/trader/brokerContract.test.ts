import { afterEach, describe, expect, it } from 'vitest';
import { OrderRejectedError } from '../../src/core/trader/broker.ts';
import { FEE, bar, liveHarness, paperHarness, type BrokerHarness } from './harness.ts';

type Make = (balances: Record<string, number>) => Promise<BrokerHarness>;

describe.each<[string, Make]>([
  ['paper', paperHarness],
  ['live (ccxt on the loopback fake)', liveHarness],
])('broker contract: %s', (_name, make) => {
  let h: BrokerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = async (balances: Record<string, number> = { USDT: 1000 }) => {
    h = await make(balances);
    await h.closeBar(bar(0, 100_000, 100_100, 99_900, 100_000));
    return h;
  };
  // A buy's fee: quote on top of the price (paper), or base off the quantity bought (Binance).
  const received = (qty: number) => (h!.buyFeeInBase ? qty * (1 - FEE) : qty);
  const paid = (quote: number) => (h!.buyFeeInBase ? quote : quote * (1 + FEE));

  it('a limit buy rests until a bar reaches its price, then fills there and moves the funds', async () => {
    const { broker, closeBar } = await start();
    const placed = await broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 99_500, quantity: 0.001, clientOrderId: 'itb-t-1' });
    expect(placed).toMatchObject({ status: 'open', filled: 0, clientOrderId: 'itb-t-1' });
    expect((await broker.balances()).USDT!.free).toBeCloseTo(1000 - paid(99.5), 6);

    await closeBar(bar(1, 100_000, 100_200, 99_800, 100_100));
    expect((await broker.fetchOrder('BTCUSDT', 'itb-t-1'))!.status).toBe('open');

    await closeBar(bar(2, 99_900, 99_950, 99_400, 99_600));
    const done = (await broker.fetchOrder('BTCUSDT', 'itb-t-1'))!;
    expect(done).toMatchObject({ status: 'filled', filled: 0.001 });
    expect(done.cost).toBeCloseTo(99.5, 8);
    const b = await broker.balances();
    expect(b.BTC!.free).toBeCloseTo(received(0.001), 12);
    expect(b.USDT!.free).toBeCloseTo(1000 - paid(99.5), 6);
    expect(b.USDT!.locked).toBeCloseTo(0, 8);
    expect(await broker.openOrders('BTCUSDT')).toHaveLength(0);
  });

  it('a limit sell fills when a bar trades up to it', async () => {
    const { broker, closeBar } = await start({ USDT: 0, BTC: 0.01 });
    await broker.placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: 100_150, quantity: 0.01, clientOrderId: 'itb-t-s' });
    expect((await broker.balances()).BTC!.locked).toBeCloseTo(0.01, 10);
    await closeBar(bar(1, 100_000, 100_200, 99_800, 100_100));
    const done = (await broker.fetchOrder('BTCUSDT', 'itb-t-s'))!;
    expect(done.status).toBe('filled');
    expect((await broker.balances()).USDT!.free).toBeCloseTo(1001.5 * (1 - FEE), 6);
  });

  it('a market order fills at the next bar open', async () => {
    const { broker, closeBar } = await start();
    await broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 0.002, clientOrderId: 'itb-t-m' });
    await closeBar(bar(1, 100_050, 100_200, 99_800, 100_100));
    const done = (await broker.fetchOrder('BTCUSDT', 'itb-t-m'))!;
    expect(done.status).toBe('filled');
    expect(done.cost / done.filled).toBeCloseTo(100_050, 6);
  });

  it('placing the same client order id twice gives the one order', async () => {
    const { broker } = await start();
    const req = { symbol: 'BTCUSDT', side: 'buy' as const, type: 'limit' as const, price: 99_000, quantity: 0.001, clientOrderId: 'itb-t-dup' };
    const a = await broker.placeOrder(req);
    const b = await broker.placeOrder(req);
    expect(b.id).toBe(a.id);
    expect(await broker.openOrders('BTCUSDT')).toHaveLength(1);
    expect((await broker.balances()).USDT!.locked).toBeCloseTo(paid(99), 6);
  });

  it('rejects an order below the minimum notional, off the lot step, or beyond the balance, and changes nothing', async () => {
    const { broker } = await start();
    const order = (quantity: number, id: string) => broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 100_000, quantity, clientOrderId: id });
    await expect(order(0.00004, 'itb-t-r1')).rejects.toThrow(/notional/);
    await expect(order(0.000015, 'itb-t-r2')).rejects.toThrow(/lot step/);
    await expect(order(0.02, 'itb-t-r3')).rejects.toBeInstanceOf(OrderRejectedError);
    expect(await broker.openOrders('BTCUSDT')).toHaveLength(0);
    expect((await broker.balances()).USDT).toEqual({ free: 1000, locked: 0 });
  });

  it('a thin bar fills part of the order; cancelling keeps that part and frees the rest', async () => {
    const { broker, closeBar } = await start();
    await broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 99_500, quantity: 0.001, clientOrderId: 'itb-t-p' });
    await closeBar(bar(1, 99_800, 99_900, 99_400, 99_700, 0.0004));
    const part = (await broker.fetchOrder('BTCUSDT', 'itb-t-p'))!;
    expect(part.status).toBe('open');
    expect(part.filled).toBeCloseTo(0.0004, 10);
    const cancelled = await broker.cancelOrder('BTCUSDT', 'itb-t-p');
    expect(cancelled.status).toBe('canceled');
    expect(cancelled.filled).toBeCloseTo(0.0004, 10);
    const b = await broker.balances();
    expect(b.BTC!.free).toBeCloseTo(received(0.0004), 12);
    expect(b.USDT!.locked).toBeCloseTo(0, 8);
    expect(b.USDT!.free).toBeCloseTo(1000 - paid(0.0004 * 99_500), 6);
  });

  it('an open order is found again by a restarted broker, by its client id', async () => {
    const { broker, reopen } = await start();
    await broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 99_000, quantity: 0.001, clientOrderId: 'itb-t-re' });
    const again = await reopen();
    await again.init();
    const open = await again.openOrders('BTCUSDT');
    expect(open.map((o) => o.clientOrderId)).toEqual(['itb-t-re']);
    expect(await again.fetchOrder('BTCUSDT', 'itb-t-unknown')).toBeUndefined();
  });

  it('publishes the market rules the trader rounds to', async () => {
    const { broker } = await start();
    expect(await broker.rules('BTCUSDT')).toMatchObject({ base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.00001, minNotional: 5 });
  });
});
