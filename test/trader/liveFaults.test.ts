import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_MARKETS } from '../fakes/binanceOrders.ts';
import { readmePromises } from '../readmePromises.ts';
import type { LiveBroker } from '../../src/core/exchange/ccxtBroker.ts';
import { PaperBroker } from '../../src/core/trader/paperBroker.ts';
import { Trader, initialTraderState, type TraderState } from '../../src/core/trader/trader.ts';
import { parseFreq } from '../../src/core/time.ts';
import { FEE, bar, liveHarness, paperHarness, type BrokerHarness } from './harness.ts';
import { memoryStore, traderOn, traderSettings } from './traderSetup.ts';

const ORDER_ONCE_PROMISE =
  "A live order request held longer than `exchange.timeout_ms` and executed late, accepted with its answer lost, or answered with a 5xx: one order, one execution. The request is never sent again, and the trader places no new order while it may still execute.";
const RECV_WINDOW_PROMISE =
  "A live order request that reaches Binance after its `recvWindow` is refused (-1021) and never executes. The trader gives such an order up only when a look-up stamped at least `recvWindow` + 1 s after it finds nothing; a client clock running ahead cannot fake that, as Binance refuses its look-up.";
const CRASH_PROMISE =
  "kill -9 while a live order request is in flight: the order and its deadline are on disk before the request is sent; the restart finds the order, or places nothing new until it can no longer execute.";

describe('live trader against exchange faults', () => {
  let h: BrokerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const posts = () => h!.fake!.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/order').length;
  const postsOf = (clientOrderId: string) =>
    h!.fake!.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/order' && r.body.get('newClientOrderId') === clientOrderId).length;

  it('an order that reaches the exchange after the client gave up on it is never sent again: one order, one execution', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 400 });
    const rig = traderOn(h);
    // Delayed execution: the POST is held 1.5 s, longer than the client's 400 ms timeout but within
    // its recvWindow, then executed. A client that looked once, found nothing and sent the order
    // again got a second order, which Binance accepts once the first one is filled.
    h.fake!.injectFault({ method: 'POST', path: '/api/v3/order', delayMs: 1500 });
    const placed = await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(placed.notes.join('\n')).toMatch(/got no clear answer; it is not sent again/);
    const id = rig.trader.book.order!.clientOrderId;

    // A bar that would fill an order passes while the request is still on its way: no new order.
    const waiting = await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(waiting.notes.join('\n')).toMatch(/not on the exchange yet; it is never sent again, and no new order is placed/);
    expect(rig.trader.book.status).toBe('BUYING');
    await h.fake!.settled(); // the held request executes now

    await rig.step(bar(2, 99_850, 99_900, 99_800, 99_850));
    await rig.step(bar(3, 99_850, 99_900, 99_800, 99_850), { buy: true });
    expect(postsOf(id)).toBe(1);
    expect(h.book!.orders.map((o) => [o.clientOrderId, o.status])).toEqual([[id, 'FILLED']]);
    expect(rig.trader.book.status).toBe('BOUGHT');
    expect(rig.trader.stats().position).toBeCloseTo(0.0099 * (1 - FEE), 12);
    expect(readmePromises()).toContain(ORDER_ONCE_PROMISE);
  });

  it("a request held past its recvWindow never executes: the trader waits until a look-up proves it, then skips that signal", async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 400, recvWindowMs: 1000 });
    const rig = traderOn(h);
    h.fake!.injectFault({ method: 'POST', path: '/api/v3/order', delayMs: 1300 });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const id = rig.trader.book.order!.clientOrderId;
    await h.fake!.settled(); // refused with -1021 when it reaches the engine
    expect(h.book!.orders).toHaveLength(0);

    // Not proven yet: the look-up is stamped before validUntil + 1 s.
    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(rig.trader.book).toMatchObject({ status: 'BUYING', order: { clientOrderId: id, id: '' } });
    expect(posts()).toBe(1);

    // Once a look-up stamped after validUntil + 1 s is answered, the order cannot execute any more.
    h.passTime(1000);
    const moved = await rig.step(bar(2, 99_900, 100_000, 99_850, 99_900), { buy: true });
    expect(moved.notes.join('\n')).toMatch(new RegExp(`order ${id} never reached the exchange and can no longer execute: its signal is skipped`));
    expect(postsOf(id)).toBe(1);
    expect(h.book!.orders.map((o) => o.clientOrderId)).toEqual([rig.trader.book.order!.clientOrderId]);
    expect(rig.trader.book.order!.clientOrderId).not.toBe(id);
    expect(readmePromises()).toContain(RECV_WINDOW_PROMISE);
  });

  it('a client clock running ahead cannot fake the proof: Binance refuses its look-up and the order stays unresolved', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 400, recvWindowMs: 1000 });
    const rig = traderOn(h);
    h.fake!.injectFault({ method: 'POST', path: '/api/v3/order', status: 503, body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' } });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const id = rig.trader.book.order!.clientOrderId;
    // The client's clock jumps 5 s ahead of the exchange's: its look-ups would claim validUntil has passed.
    (h.broker as LiveBroker).exchange.options.timeDifference = -5000;
    const tick = await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(tick.notes.join('\n')).toMatch(/cannot check order .*1000ms ahead of the server's time/);
    expect(rig.trader.book).toMatchObject({ status: 'BUYING', order: { clientOrderId: id } });
    expect(posts()).toBe(1);
  });

  it('a refused request (429 rate limit) never executed: the trader reverts at once and the next signal places its own order', async () => {
    h = await liveHarness({ USDT: 1000 });
    const rig = traderOn(h);
    h.fake!.injectFault({ method: 'POST', path: '/api/v3/order', status: 429, headers: { 'retry-after': '1' }, body: { code: -1003, msg: 'Too many requests; current limit is 6000 request weight per 1 MINUTE.' } });
    const tick = await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(tick.notes.join('\n')).toMatch(/buy order rejected: .*Too many requests/);
    expect(rig.trader.book).toMatchObject({ status: 'SOLD', order: undefined });
    await rig.step(bar(1, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(h.book!.orders).toHaveLength(1);
    expect(posts()).toBe(2);
  });

  it('a crash while an order is unconfirmed: the restart places nothing new until the late order is found, then books it', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 400 });
    const rig = traderOn(h);
    h.fake!.injectFault({ method: 'POST', path: '/api/v3/order', delayMs: 1200 });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const onDisk = structuredClone(rig.store.data); // what kill -9 right now leaves
    expect(onDisk.books.live.order).toMatchObject({ id: '', validUntil: expect.any(Number) });

    const restarted = traderOn(h, { state: onDisk, broker: await h.reopen() });
    const notes = await restarted.trader.start();
    expect(notes.join('\n')).toMatch(/got no clear answer before the restart; it is looked up until it is certain it cannot execute/);
    await restarted.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(restarted.trader.book.status).toBe('BUYING');
    await h.fake!.settled(); // the held request executes
    await restarted.step(bar(2, 99_850, 99_900, 99_800, 99_850));
    expect(h.book!.orders.map((o) => o.status)).toEqual(['FILLED']);
    expect(posts()).toBe(1);
    expect(restarted.trader.book.status).toBe('BOUGHT');
    expect(readmePromises()).toContain(CRASH_PROMISE);
  });

  it('the kill switch keeps an unconfirmed order in the books, so it is still looked up when trading resumes', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 400 });
    const rig = traderOn(h);
    h.fake!.injectFault({ method: 'POST', path: '/api/v3/order', delayMs: 1200 });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const id = rig.trader.book.order!.clientOrderId;
    expect(await rig.trader.setMode('off')).toBe(
      `Trading is now off; order ${id} got no clear answer and may still execute: it stays in the live books and is looked up when live trading resumes; positions are kept as they are.`,
    );
    expect(rig.store.data.books.live.order).toMatchObject({ clientOrderId: id, id: '' });
    await h.fake!.settled(); // it executes while trading is off
    expect(await rig.trader.setMode('live')).toBe('Trading is now live.');
    expect(rig.trader.book.order).toMatchObject({ clientOrderId: id, id: '1001' });
  });

  it('a timeout after the exchange accepted the order leaves exactly one order, adopted by its client id', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 400 });
    const rig = traderOn(h);
    h.fake!.injectFault({ path: '/api/v3/order', afterHandling: true, delayMs: 900 });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(h.book!.orders).toHaveLength(1);
    expect(rig.trader.book).toMatchObject({ status: 'BUYING', order: { clientOrderId: h.book!.orders[0]!.clientOrderId, id: '1001' } });
    expect(posts()).toBe(1);
  });

  it('a crash while the placement is in flight: the restart finds the order from the intent saved before the request', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 3000 });
    const rig = traderOn(h);
    const onDisk: TraderState[] = [];
    rig.store.write = async () => {
      onDisk.push(structuredClone(rig.store.data));
    };
    h.fake!.injectFault({ path: '/api/v3/order', afterHandling: true, delayMs: 800 }); // a slow reply
    const inFlight = rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    while (h.book!.orders.length === 0) await new Promise((r) => setTimeout(r, 10));

    // What a crash at this moment leaves on disk: the intent, without the exchange's id.
    const saved = onDisk.at(-1)!;
    expect(saved.books.live).toMatchObject({ status: 'BUYING', order: { id: '', clientOrderId: h.book!.orders[0]!.clientOrderId } });
    const restarted = traderOn(h, { state: structuredClone(saved), broker: await h.reopen() });
    await restarted.trader.start();
    expect(restarted.trader.book).toMatchObject({ status: 'BUYING', order: { id: '1001' } });
    await inFlight;
    expect(h.book!.orders).toHaveLength(1);
  });

  it('a 503 (execution status unknown) is never answered with a second POST; the order is given up only when it cannot execute', async () => {
    h = await liveHarness({ USDT: 1000 });
    const rig = traderOn(h);
    h.fake!.injectFault({ path: '/api/v3/order', status: 503, body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' } });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const id = rig.trader.book.order!.clientOrderId;
    expect(h.book!.orders).toHaveLength(0);
    expect(posts()).toBe(1);
    expect(rig.trader.book.status).toBe('BUYING');

    h.passTime(15_000); // ccxt's default recvWindow is 10 s
    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    expect(rig.trader.book).toMatchObject({ status: 'SOLD', order: undefined });
    expect(postsOf(id)).toBe(1);
  });

  it('when every reply is lost the intent is kept and the next bar finds the one order', async () => {
    h = await liveHarness({ USDT: 1000 }, { timeoutMs: 300 });
    const rig = traderOn(h);
    // The POST is accepted but its reply lost; the look-ups that follow time out too.
    h.fake!.injectFault({ path: '/api/v3/order', afterHandling: true, delayMs: 600 });
    h.fake!.injectFault({ path: '/api/v3/order', delayMs: 600, times: 3 });
    const tick = await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(tick.notes.join('\n')).toMatch(/got no clear answer; it is not sent again and is looked up each bar/);
    expect(rig.trader.book.status).toBe('BUYING');
    expect(rig.trader.book.order!.id).toBe('');

    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(h.book!.orders).toHaveLength(1);
    expect(h.book!.orders[0]!.status).toBe('FILLED');
    expect(rig.trader.book.status).toBe('BOUGHT');
  });

  it('a second placement with the same client id is refused as a duplicate by the exchange and resolves to the first order', async () => {
    h = await liveHarness({ USDT: 1000 });
    await h.closeBar(bar(0, 100_000, 100_100, 99_950, 100_000));
    const req = { symbol: 'BTCUSDT', side: 'buy' as const, type: 'limit' as const, price: 99_000, quantity: 0.001, clientOrderId: 'itb-dup-1' };
    const a = await h.broker.placeOrder(req);
    const b = await h.broker.placeOrder(req);
    expect(posts()).toBe(2);
    expect(b.id).toBe(a.id);
    expect(h.book!.orders).toHaveLength(1);
  });

  it("an order the exchange's own filters refuse (-1013) leaves the trader SOLD with the reason", async () => {
    h = await liveHarness({ USDT: 1000 });
    const market = FAKE_MARKETS.BTCUSDT!;
    const before = market.minNotional;
    market.minNotional = 500; // stricter than the rules loaded at start-up
    try {
      const rig = traderOn(h, { settings: { max_position_quote: 100 } });
      const tick = await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
      expect(tick.notes.join('\n')).toMatch(/buy order rejected: .*Filter failure: NOTIONAL/);
      expect(rig.trader.book.status).toBe('SOLD');
      expect(rig.trader.book.order).toBeUndefined();
      expect(h.book!.orders).toHaveLength(0);
    } finally {
      market.minNotional = before;
    }
  });

  it('signs private calls with the key and never sends the secret', async () => {
    h = await liveHarness({ USDT: 1000 });
    const rig = traderOn(h);
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const priv = h.fake!.requests.filter((r) => r.path === '/api/v3/order' || r.path === '/api/v3/account');
    expect(priv.length).toBeGreaterThan(0);
    for (const r of priv) expect(r.headers['x-mbx-apikey']).toBe('test-key-123456');
    const everything = JSON.stringify(h.fake!.requests.map((r) => [r.query.toString(), r.body.toString(), r.headers]));
    expect(everything).not.toContain('test-secret-123456');
  });

  it('at start-up keeps one of our open orders and cancels a second one', async () => {
    h = await liveHarness({ USDT: 1000 });
    await h.closeBar(bar(0, 100_000, 100_100, 99_950, 100_000));
    await h.broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 99_000, quantity: 0.001, clientOrderId: 'itb-BTCUSDT-a-b' });
    await h.broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 98_000, quantity: 0.001, clientOrderId: 'itb-BTCUSDT-b-b' });
    await h.broker.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 97_000, quantity: 0.001, clientOrderId: 'manual-order' });
    const rig = traderOn(h);
    const notes = await rig.trader.start();
    expect(notes.join('\n')).toMatch(/cancelled a second open order itb-BTCUSDT-b-b/);
    const open = (await h.broker.openOrders('BTCUSDT')).map((o) => o.clientOrderId).sort();
    expect(open).toEqual(['itb-BTCUSDT-a-b', 'manual-order']);
    expect(rig.trader.book.status).toBe('BUYING');
  });
});

describe('switching to live', () => {
  it('is refused without exchange keys and trading stays as it was', async () => {
    const h = await paperHarness({ USDT: 1000 });
    const state = initialTraderState(1000);
    const trader = new Trader({
      symbol: 'BTCUSDT',
      freq: parseFreq('1min'),
      settings: traderSettings({ mode: 'live' }),
      paper: h.broker as PaperBroker,
      store: memoryStore(state),
      clock: h.now,
    });
    // a config asking for live starts in paper: real money waits for an admin's /trade live
    expect(trader.mode).toBe('paper');
    await expect(trader.setMode('live')).rejects.toThrow('live trading needs exchange keys: set EXCHANGE_API_KEY and EXCHANGE_API_SECRET and restart');
    expect(trader.mode).toBe('paper');
  });

  it('reconciles with the exchange first, and then trades live', async () => {
    const h = await liveHarness({ USDT: 500, BTC: 0.01 });
    try {
      await h.closeBar(bar(0, 100_000, 100_100, 99_950, 100_000));
      const told: string[] = [];
      const trader = new Trader({
        symbol: 'BTCUSDT',
        freq: parseFreq('1min'),
        settings: traderSettings(),
        paper: new PaperBroker({ initialBalances: { USDT: 1000 }, fees: 0.001, clock: h.now }),
        live: h.broker,
        store: memoryStore(initialTraderState(1000)),
        clock: h.now,
        tellAdmins: (text) => void told.push(text),
      });
      expect(await trader.setMode('live')).toBe('Trading is now live.');
      // 0.01 BTC is a sellable position on the exchange: the live book starts BOUGHT, and takes it
      // over (no bar seen yet: at the next close), telling the admins
      expect(trader.book.status).toBe('BOUGHT');
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/The account holds 0\.01 BTC, the books 0 BTC: \+0\.01 BTC .* as an adjustment at the next close/);
      await trader.onBar({ ...bar(0, 100_000, 100_100, 99_950, 100_000), buy: false, sell: true });
      expect(trader.book.ledger[0]).toMatchObject({ adjustment: true, side: 'buy', quantity: 0.01, price: 100_000, cost: 1000 });
      expect(h.book!.orders).toHaveLength(1);
      expect(h.book!.orders[0]).toMatchObject({ side: 'SELL', origQty: 0.01, price: 100_100 });
    } finally {
      await h.close();
    }
  });
});
