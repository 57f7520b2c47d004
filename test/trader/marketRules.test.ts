import { describe, expect, it } from 'vitest';
import { clientOrderIdFor, floorToStep, roundToTick, ruleViolation, splitSymbol } from '../../src/core/trader/marketRules.ts';

const btc = { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, minNotional: 5 };

describe('market rules', () => {
  it('rounds prices half-up to the tick and quantities down to the lot step, without binary noise', () => {
    expect(roundToTick(99_900.005, 0.01)).toBe(99_900.01);
    expect(roundToTick(99_900.0049, 0.01)).toBe(99_900);
    expect(roundToTick(1234.5678, 0.5)).toBe(1234.5);
    expect(floorToStep(0.0099099099, 0.00001)).toBe(0.0099);
    expect(floorToStep(0.3, 0.1)).toBe(0.3); // 0.3 / 0.1 = 2.9999999999999996 in floating point
    expect(floorToStep(0.01185454, 0.000001)).toBe(0.011854); // the original's round_down_str example
  });

  it('names the filter an order breaks', () => {
    expect(ruleViolation({ price: 100_000, quantity: 0.001 }, btc, 100_000)).toBeUndefined();
    expect(ruleViolation({ price: 100_000, quantity: 0.00004 }, btc, 100_000)).toMatch(/below the minimum notional 5/);
    expect(ruleViolation({ price: 100_000, quantity: 0.000015 }, btc, 100_000)).toMatch(/not a multiple of the lot step/);
    expect(ruleViolation({ price: 100_000.005, quantity: 0.001 }, btc, 100_000)).toMatch(/tick size/);
    expect(ruleViolation({ quantity: 0 }, btc, 100_000)).toBe('quantity is zero');
  });

  it('derives one client order id per symbol, bar and side, within Binance’s pattern', () => {
    const t = Date.UTC(2025, 0, 6, 10, 0);
    const a = clientOrderIdFor('BTCUSDT', t, 'buy');
    expect(a).toBe(clientOrderIdFor('BTCUSDT', t, 'buy'));
    expect(a).not.toBe(clientOrderIdFor('BTCUSDT', t, 'sell'));
    expect(a).not.toBe(clientOrderIdFor('BTCUSDT', t + 60_000, 'buy'));
    expect(a).not.toBe(clientOrderIdFor('ETHUSDT', t, 'buy'));
    for (const id of [a, clientOrderIdFor('1000SHIBUSDT_PERPETUAL_LONG_NAME', t, 'sell')]) expect(id).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
  });

  it('splits symbols into base and quote', () => {
    expect(splitSymbol('BTCUSDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(splitSymbol('ETHBTC')).toEqual({ base: 'ETH', quote: 'BTC' });
    expect(splitSymbol('XYZABC', 'XYZ', 'ABC')).toEqual({ base: 'XYZ', quote: 'ABC' });
  });
});
