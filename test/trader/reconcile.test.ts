import { afterEach, describe, expect, it } from 'vitest';
import { traderControl } from '../../src/core/trader/control.ts';
import { PaperBroker } from '../../src/core/trader/paperBroker.ts';
import { Trader, initialTraderState, type TraderState } from '../../src/core/trader/trader.ts';
import { parseFreq } from '../../src/core/time.ts';
import { readmePromises } from '../readmePromises.ts';
import { FEE, bar, liveHarness, type BrokerHarness } from './harness.ts';
import { memoryStore, traderOn, traderSettings } from './traderSetup.ts';

/** A live trader on the harness's account from a given state, whose messages to the admins are kept. */
function restartedTrader(h: BrokerHarness, state: TraderState, broker = h.broker) {
  const told: string[] = [];
  state.mode = 'live';
  state.modeChosen = true;
  const trader = new Trader({
    symbol: 'BTCUSDT',
    freq: parseFreq('1min'),
    settings: traderSettings({ mode: 'live' }),
    paper: new PaperBroker({ initialBalances: {}, fees: FEE, clock: h.now }),
    live: broker,
    store: memoryStore(state),
    clock: h.now,
    tellAdmins: (text) => void told.push(text),
  });
  return { trader, told };
}

const RECONCILE_PROMISE =
  "Start-up reconciles the books with the exchange: a fill of our order that the books lack (filled while the service was down, a lost state file) is booked with the exchange's prices and fees, and a manual trade or transfer is taken over as an adjustment at the last close. The admins are told once, with the numbers, and trading goes on from the exchange's figures.";

describe('start-up reconciliation against the exchange', () => {
  let h: BrokerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const accountBtc = () => h!.book!.balances.BTC!.free + h!.book!.balances.BTC!.locked;

  it('books a fill of our order that the books lack (filled while the service was down, state file lost) and tells the admins once', async () => {
    h = await liveHarness({ USDT: 1000 });
    await h.closeBar(bar(0, 100_000, 100_100, 99_950, 100_000));
    // The previous run placed the order; then its state was lost, and the order filled meanwhile.
    await h.broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 99_900, quantity: 0.005, clientOrderId: 'itb-BTCUSDT-prev-b' });
    await h.closeBar(bar(1, 99_950, 100_000, 99_850, 99_900));

    const { trader, told } = restartedTrader(h, initialTraderState(1000), await h.reopen());
    await trader.start();
    expect(trader.book.ledger).toMatchObject([{ clientOrderId: 'itb-BTCUSDT-prev-b', side: 'buy', quantity: 0.005, price: 99_900, feeBase: 0.005 * FEE }]);
    expect(trader.stats().position).toBeCloseTo(accountBtc(), 12);
    expect(trader.book.status).toBe('BOUGHT');
    expect(told).toHaveLength(1);
    expect(told[0]).toBe(
      "⚠️ BTCUSDT live: the books did not match the account. Fills of our orders the books lacked, now booked with the exchange's prices and fees: itb-BTCUSDT-prev-b bought 0.005 BTC at 99900.00.",
    );
  });

  it('takes over a manual buy as an adjustment at the last close, tells the admins the numbers, and sells it on the next sell signal', async () => {
    h = await liveHarness({ USDT: 1000 });
    const first = traderOn(h);
    await first.step(bar(0, 100_000, 100_100, 99_950, 100_000));
    // Someone buys by hand on the same account.
    await h.broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 100_000, quantity: 0.003, clientOrderId: 'manual-1' });
    await h.closeBar(bar(1, 99_950, 100_050, 99_850, 99_950));

    const { trader, told } = restartedTrader(h, structuredClone(first.store.data), await h.reopen());
    await trader.start();
    expect(told).toEqual([
      '⚠️ BTCUSDT live: the books did not match the account. The account holds 0.002997 BTC, the books 0 BTC: +0.002997 BTC (more than the lot step 0.00001), e.g. a manual trade or a transfer. The trader takes over the exchange\'s figure as an adjustment at the last close 100000.00 (no profit booked) and goes on trading from it; /trade off stops it.',
    ]);
    expect(trader.book.ledger).toMatchObject([{ side: 'buy', quantity: expect.closeTo(0.003 * (1 - FEE), 12), price: 100_000, adjustment: true }]);
    expect(trader.stats()).toMatchObject({ trades: 0, position: expect.closeTo(0.003 * (1 - FEE), 12) });
    expect(trader.book.status).toBe('BOUGHT');
    expect(trader.mode).toBe('live');
    expect(await traderControl(trader, { base: 'BTC', quote: 'USDT' }).trades(5)).toMatchObject([{ side: 'BUY', price: 100_000, mode: 'live', adjustment: true }]);

    // Trading goes on from the exchange's figure: the sell signal sells what is there.
    await h.closeBar(bar(2, 100_900, 101_050, 100_850, 101_000));
    await trader.onBar({ ...bar(2, 100_900, 101_050, 100_850, 101_000), buy: false, sell: true });
    expect(trader.book.order).toMatchObject({ side: 'sell', quantity: 0.00299 });
    expect(readmePromises()).toContain(RECONCILE_PROMISE);
  });

  it('takes over a manual sell (the account holds less than the books) without booking a profit', async () => {
    h = await liveHarness({ USDT: 1000 });
    const first = traderOn(h);
    await first.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await first.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    expect(first.trader.book.status).toBe('BOUGHT');
    await h.broker.placeOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: 99_000, quantity: 0.005, clientOrderId: 'manual-2' });
    await h.closeBar(bar(2, 99_900, 100_000, 99_800, 99_900));

    const { trader, told } = restartedTrader(h, structuredClone(first.store.data), await h.reopen());
    await trader.start();
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/The account holds 0\.0048901 BTC, the books 0\.0098901 BTC: −0\.005 BTC/);
    expect(trader.book.ledger.at(-1)).toMatchObject({ side: 'sell', quantity: expect.closeTo(0.005, 12), adjustment: true });
    expect(trader.book.ledger.at(-1)!.profit).toBeUndefined();
    expect(trader.stats()).toMatchObject({ trades: 0 });
    expect(trader.stats().position).toBeCloseTo(accountBtc(), 12);
  });

  it('counts the fills so far of an open order, net of their fee in BTC: a restart with a partly filled buy says nothing', async () => {
    h = await liveHarness({ USDT: 10_000 });
    const first = traderOn(h);
    await first.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await h.closeBar(bar(1, 99_950, 100_000, 99_850, 99_900, 0.05)); // a thin bar: 0.05 of 0.09909 filled

    const { trader, told } = restartedTrader(h, structuredClone(first.store.data), await h.reopen());
    await trader.start();
    expect(h.book!.orders[0]).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: 0.05 });
    expect(accountBtc()).toBeCloseTo(0.05 * (1 - FEE), 12); // the fee, 5 lot steps, taken in BTC
    expect(told).toEqual([]);
    expect(trader.book.status).toBe('BUYING');
  });

  it('says nothing when the books match the account (a restart after a round trip)', async () => {
    h = await liveHarness({ USDT: 1000 });
    const first = traderOn(h);
    await first.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await first.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    await first.step(bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
    await first.step(bar(3, 101_050, 101_200, 101_000, 101_150));
    expect(first.trader.book.status).toBe('SOLD');
    expect(accountBtc()).toBeGreaterThan(0); // dust under one lot step, in the books too

    const { trader, told } = restartedTrader(h, structuredClone(first.store.data), await h.reopen());
    await trader.start();
    expect(told).toEqual([]);
    expect(trader.book.ledger).toHaveLength(2);
  });
});
