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

  const setup = async () => {
    fake = await startFakeBinance({ now: T0 });
    const book = attachOrderEndpoints(fake, { balances: { USDT: 100 }, apiKey: 'k-123456' });
    book.setNow(T0);
    const call = async (method: string, params: Record<string, string>, key = 'k-123456') => {
      const q = new URLSearchParams({ ...params, timestamp: String(T0), signature: 'sig' });
      const res = await fetch(`${fake!.url}/api/v3/order${method === 'POST' ? '' : `?${q}`}`, {
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
    expect(book.balances.USDT!.locked).toBeCloseTo(90 * 1.001, 8);
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
    expect(book.balances.BTC!.free).toBeCloseTo(0.0003, 12);
    expect(book.balances.USDT!.locked).toBeCloseTo(0, 8);
  });
});
