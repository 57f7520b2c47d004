import { afterEach, describe, expect, it } from 'vitest';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { attachOrderEndpoints } from '../fakes/binanceOrders.ts';
import { T0 } from './harness.ts';

/** The fake's order endpoints spoken to directly, as Binance's REST API is. */
describe('fake Binance order endpoints', () => {
  let fake: FakeBinance | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const setup = async (balances: Record<string, number> = { USDT: 100 }) => {
    fake = await startFakeBinance({ now: T0 });
    const book = attachOrderEndpoints(fake, { balances, apiKey: 'k-123456' });
    book.setNow(T0);
    // Signed requests are stamped with the wall clock, as ccxt stamps them (the server clock of the fake's timing security).
    const call = async (method: string, params: Record<string, string>, key = 'k-123456', path = '/api/v3/order') => {
      const q = new URLSearchParams({ timestamp: String(Date.now()), ...params, signature: 'sig' });
      const res = await fetch(`${fake!.url}${path}${method === 'POST' ? '' : `?${q}`}`, {
        method,
        headers: { 'X-MBX-APIKEY': key, 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? q.toString() : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    return { book, call };
  };
  const limitBuy = (price: string, quantity: string, id: string) => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price, quantity, newClientOrderId: id });

  it("answers rule violations with Binance's codes and messages", async () => {
    const { book, call } = await setup();
    expect(await call('POST', limitBuy('90000.005', '0.001', 'a'))).toEqual({ status: 400, body: { code: -1013, msg: 'Filter failure: PRICE_FILTER' } });
    expect(await call('POST', limitBuy('90000', '0.0000105', 'b'))).toEqual({ status: 400, body: { code: -1013, msg: 'Filter failure: LOT_SIZE' } });
    expect(await call('POST', limitBuy('90000', '0.00005', 'c'))).toEqual({ status: 400, body: { code: -1013, msg: 'Filter failure: NOTIONAL' } });
    expect(await call('POST', limitBuy('90000', '0.002', 'd'))).toEqual({ status: 400, body: { code: -2010, msg: 'Account has insufficient balance for requested action.' } });
    expect((await call('POST', limitBuy('90000', '0.001', 'e'))).body).toMatchObject({ status: 'NEW', clientOrderId: 'e', origQty: '0.00100000' });
    expect(await call('POST', limitBuy('90000', '0.001', 'e'))).toEqual({ status: 400, body: { code: -2010, msg: 'Duplicate order sent.' } });
    expect(await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'zzz' })).toEqual({ status: 400, body: { code: -2013, msg: 'Order does not exist.' } });
    expect(await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'e' }, 'wrong-key')).toMatchObject({ status: 401, body: { code: -2015 } });
    expect(book.orders).toHaveLength(1);
    // a buy locks its price only: Binance takes the commission from the base asset it receives
    expect(book.balances.USDT!.locked).toBeCloseTo(90, 8);
  });

  it("refuses with -1021 a request stamped more than 1 s ahead of its clock or older than recvWindow, and changes nothing", async () => {
    const { book, call } = await setup();
    const ahead = { status: 400, body: { code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." } };
    const outside = { status: 400, body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } };
    expect(await call('POST', { ...limitBuy('90000', '0.001', 'a'), timestamp: String(Date.now() + 1500) })).toEqual(ahead);
    expect(await call('POST', { ...limitBuy('90000', '0.001', 'b'), timestamp: String(Date.now() - 5100) })).toEqual(outside);
    expect(await call('POST', { ...limitBuy('90000', '0.001', 'c'), timestamp: String(Date.now() - 5100), recvWindow: '8000' })).toMatchObject({ status: 200 });
    // the server's clock moves on: a request stamped before that is too old
    book.passTime(10_000);
    expect(await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'c' })).toEqual(outside);
    expect(await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'c', timestamp: String(book.serverTime()) })).toMatchObject({ status: 200 });
    expect(book.orders.map((o) => o.clientOrderId)).toEqual(['c']);
  });

  it('a request held on its way executes when it arrives within its recvWindow, and is refused when it arrives after', async () => {
    const { book, call } = await setup();
    fake!.injectFault({ method: 'POST', path: '/api/v3/order', delayMs: 400 });
    const late = await call('POST', { ...limitBuy('90000', '0.0005', 'in-time'), recvWindow: '2000' });
    expect(late.body).toMatchObject({ status: 'NEW', clientOrderId: 'in-time' });
    fake!.injectFault({ method: 'POST', path: '/api/v3/order', delayMs: 400 });
    const tooLate = await call('POST', { ...limitBuy('90000', '0.0005', 'too-late'), recvWindow: '300' });
    expect(tooLate).toEqual({ status: 400, body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } });
    expect(book.orders.map((o) => o.clientOrderId)).toEqual(['in-time']);
  });

  it('a client id is unique among open orders only: once its order is filled, the same id places a second order', async () => {
    const { book, call } = await setup();
    await call('POST', limitBuy('90000', '0.001', 'same'));
    expect((await call('POST', limitBuy('90000', '0.001', 'same'))).body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    book.setCandles('BTCUSDT', [{ time: T0, open: 90_000, high: 90_100, low: 89_900, close: 90_000, volume: 5 }]);
    book.setNow(T0 + 60_000);
    expect((await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'same' })).body).toMatchObject({ status: 'FILLED' });
    expect((await call('POST', limitBuy('90000', '0.0001', 'same'))).body).toMatchObject({ status: 'NEW', clientOrderId: 'same', origQty: '0.00010000' });
    expect(book.orders.map((o) => o.status)).toEqual(['FILLED', 'NEW']);
    // a look-up by the client id finds the newest; allOrders lists both
    expect((await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'same' })).body).toMatchObject({ status: 'NEW', orderId: 1002 });
    const all = await call('GET', { symbol: 'BTCUSDT', startTime: String(T0) }, 'k-123456', '/api/v3/allOrders');
    expect((all.body as unknown as { orderId: number }[]).map((o) => o.orderId)).toEqual([1001, 1002]);
  });

  it('takes the commission of a buy in the base asset and of a sell in the quote asset, as myTrades reports', async () => {
    const { book, call } = await setup({ USDT: 100, BTC: 0.001 });
    await call('POST', limitBuy('90000', '0.001', 'buy'));
    await call('POST', { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: '90000', quantity: '0.001', newClientOrderId: 'sell' });
    book.setCandles('BTCUSDT', [{ time: T0, open: 90_000, high: 90_100, low: 89_900, close: 90_000, volume: 5 }]);
    book.setNow(T0 + 60_000);
    const trades = (await call('GET', { symbol: 'BTCUSDT' }, 'k-123456', '/api/v3/myTrades')).body as unknown as Record<string, string>[];
    expect(trades.map((t) => [t.commission, t.commissionAsset])).toEqual([
      ['0.00000100', 'BTC'],
      ['0.09000000', 'USDT'],
    ]);
    expect(book.balances.BTC!.free).toBeCloseTo(0.001 * 0.999, 12);
    expect(book.balances.USDT!.free).toBeCloseTo(100 - 90 + 90 * 0.999, 8);
  });

  it('fills against the candles that close after the order, at most their volume, and cancels the rest', async () => {
    const { book, call } = await setup();
    await call('POST', limitBuy('90000', '0.001', 'p'));
    book.setCandles('BTCUSDT', [{ time: T0, open: 90_100, high: 90_200, low: 89_900, close: 90_050, volume: 0.0003 }]);
    expect((await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'p' })).body).toMatchObject({ status: 'NEW', executedQty: '0.00000000' });
    book.setNow(T0 + 60_000);
    expect((await call('GET', { symbol: 'BTCUSDT', origClientOrderId: 'p' })).body).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.00030000', cummulativeQuoteQty: '27.00000000' });
    expect((await call('DELETE', { symbol: 'BTCUSDT', origClientOrderId: 'p' })).body).toMatchObject({ status: 'CANCELED', origClientOrderId: 'p', executedQty: '0.00030000' });
    expect(await call('DELETE', { symbol: 'BTCUSDT', origClientOrderId: 'p' })).toEqual({ status: 400, body: { code: -2011, msg: 'Unknown order sent.' } });
    expect(book.balances.BTC!.free).toBeCloseTo(0.0003 * (1 - 0.001), 12); // net of the commission taken in BTC
    expect(book.balances.USDT!.locked).toBeCloseTo(0, 8);
  });
});
