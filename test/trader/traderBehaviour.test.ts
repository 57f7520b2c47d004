import { afterEach, describe, expect, it } from 'vitest';
import { traderControl } from '../../src/core/trader/control.ts';
import { initialTraderState } from '../../src/core/trader/trader.ts';
import { openPosition } from '../../src/core/trader/tradeStats.ts';
import { readmePromises } from '../readmePromises.ts';
import { FEE, MIN, bar, liveHarness, paperHarness, type BrokerHarness } from './harness.ts';
import { traderOn } from './traderSetup.ts';

type Make = (balances: Record<string, number>) => Promise<BrokerHarness>;
const POSTS_PROMISE =
  "Trade posts report the fills of the trader that runs, paper or live, with its amounts: a losing round trip is posted with what the wallet lost, not the per-1-BTC leg of a simulation.";
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

describe.each<[string, Make]>([
  ['paper', paperHarness],
  ['live (ccxt on the loopback fake)', liveHarness],
])('trader on the %s broker', (_name, make) => {
  let h: BrokerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const open = async (balances: Record<string, number> = { USDT: 1000 }) => (h = await make(balances));

  it('buys on a buy signal with a limit under the close, sells on a sell signal, and posts its own fills', async () => {
    const rig = traderOn(await open());
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const order = rig.trader.book.order!;
    expect(rig.trader.book.status).toBe('BUYING');
    // price = close × (1 − 0.001) on the tick; quantity = 99% of the free quote ÷ price, down to the lot
    expect(order).toMatchObject({ side: 'buy', type: 'limit', price: 99_900, quantity: 0.0099 });

    const filled = await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    expect(rig.trader.book.status).toBe('BOUGHT');
    const afterBuy = await rig.trader.balances();
    // The post says what the wallet paid and got: the paper wallet takes the fee in USDT, Binance in BTC.
    expect(filled.messages).toEqual([
      h!.buyFeeInBase
        ? '⚡💰 *BOUGHT 0.0099 BTC at 99,900.00 USDT* · live\nPaid 989.01 USDT · fee 0.0000099 BTC · received 0.0098901 BTC'
        : '⚡💰 *BOUGHT 0.0099 BTC at 99,900.00 USDT* · paper\nPaid 990.00 USDT · fee 0.99 USDT',
    ]);
    expect(money(1000 - afterBuy.USDT!.free)).toBe(h!.buyFeeInBase ? '989.01' : '990.00');
    expect(afterBuy.BTC!.free).toBeCloseTo(h!.buyFeeInBase ? 0.0098901 : 0.0099, 12);

    // The sell uses what is really there, down to the lot step.
    await rig.step(bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
    const sellQty = h!.buyFeeInBase ? 0.00989 : 0.0099;
    expect(rig.trader.book.order).toMatchObject({ side: 'sell', price: 101_101, quantity: sellQty });
    const sold = await rig.step(bar(3, 101_050, 101_200, 101_000, 101_150));
    expect(rig.trader.book.status).toBe('SOLD');
    const stats = rig.trader.stats();
    expect(stats).toMatchObject({ trades: 1, wins: 1, losses: 0 });
    const afterSell = await rig.trader.balances();
    const got = afterSell.USDT!.free - afterBuy.USDT!.free;
    expect(sold.messages[0]).toBe(
      `⚡💰 *SOLD ${sellQty} BTC at 101,101.00 USDT* · ${h!.kind}\nGot ${money(got)} USDT · fee ${money(sellQty * 101_101 * FEE)} USDT\nProfit: +${money(stats.realised)} USDT (+1.00%)`,
    );
    expect(sold.messages[1]).toMatch(/^↗ \*LONG transactions stats \(4 weeks\)\*\n🔸sum=1\.00% 🔸count=1\n/);

    // The realised profit is what the wallet gained, less the cost of the dust under one lot step kept.
    const dust = afterSell.BTC?.free ?? 0;
    expect(stats.position).toBeCloseTo(dust, 12);
    expect(dust).toBeLessThan(0.00001);
    expect(afterSell.USDT!.free - 1000).toBeCloseTo(stats.realised - openPosition(rig.trader.book.ledger).entryCost, 6);
    if (!h!.buyFeeInBase) expect(stats.realised).toBeCloseTo(0.0099 * 101_101 * (1 - FEE) - 0.0099 * 99_900 * (1 + FEE), 6);
  });

  it('posts a losing round trip with the loss of the wallet, not the per-1-BTC leg of a simulation', async () => {
    const rig = traderOn(await open());
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    await rig.step(bar(2, 97_100, 97_200, 96_900, 97_000), { sell: true });
    const sold = await rig.step(bar(3, 97_050, 97_200, 97_000, 97_150));
    expect(rig.trader.book.status).toBe('SOLD');
    const { realised } = rig.trader.stats();
    const lost = 1000 - (await rig.trader.balances()).USDT!.free;
    // about 30 USDT of a 1,000 USDT wallet (the per-unit leg would say 2,803)
    expect(lost).toBeGreaterThan(25);
    expect(lost).toBeLessThan(35);
    expect(-realised).toBeCloseTo(lost - openPosition(rig.trader.book.ledger).entryCost, 6);
    expect(sold.messages[0]).toMatch(new RegExp(`\\nProfit: −${money(-realised)} USDT \\(−\\d\\.\\d\\d%\\)$`));
    expect(sold.messages.join('\n')).not.toMatch(/2,80\d|2803/);
    expect(readmePromises()).toContain(POSTS_PROMISE);
  });

  it('cancels an order that did not fill within one bar and is ready to buy again', async () => {
    const rig = traderOn(await open());
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const tick = await rig.step(bar(1, 100_100, 100_300, 100_000, 100_200));
    expect(rig.trader.book.status).toBe('SOLD');
    expect(rig.trader.book.order).toBeUndefined();
    expect(tick.notes.join('\n')).toMatch(/canceled without a fill/);
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(0);
    expect((await rig.trader.balances()).USDT).toEqual({ free: 1000, locked: 0 });

    await rig.step(bar(2, 100_200, 100_300, 100_100, 100_200), { buy: true });
    expect(rig.trader.book.order).toMatchObject({ side: 'buy', price: 100_099.8 });
  });

  it('places no order on stale data: a late bar or a catch-up bar', async () => {
    const late = traderOn(await open(), { clockSkewMs: 5 * MIN });
    const tick = await late.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(late.trader.book.order).toBeUndefined();
    expect(tick.notes.join('\n')).toMatch(/bars old \(limit 2\)/);
    const status = await traderControl(late.trader, { base: 'BTC', quote: 'USDT' }).status();
    expect(status).toMatchObject({ mode: h!.kind, state: 'SOLD', openOrders: 0 });
    expect(status.notes!.join('\n')).toMatch(/^last: no buy order: the bar of .* is 5\.0 bars old \(limit 2\)$/);

    const catchUp = traderOn(h!);
    const caught = await catchUp.step(bar(1, 100_000, 100_100, 99_950, 100_000), { buy: true, fresh: false });
    expect(catchUp.trader.book.order).toBeUndefined();
    expect(caught.notes.join('\n')).toMatch(/is a catch-up bar, not live data/);
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(0);
  });

  it('does nothing when buy and sell fire together, or a signal repeats the current side', async () => {
    const rig = traderOn(await open());
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true, sell: true });
    await rig.step(bar(1, 100_000, 100_100, 99_950, 100_000), { sell: true });
    expect(rig.trader.book.order).toBeUndefined();
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(0);
  });

  it('keeps a partial fill when its order is cancelled, then sells exactly what it holds', async () => {
    const rig = traderOn(await open());
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const tick = await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900, 0.004));
    expect(tick.notes.join('\n')).toMatch(/partly: 0\.004 of 0\.0099, then canceled/);
    expect(rig.trader.book.status).toBe('BOUGHT');
    expect(tick.messages[0]).toMatch(/\nPartly filled: 0\.004 of 0\.0099 BTC, the rest cancelled$/);
    const held = h!.buyFeeInBase ? 0.004 * (1 - FEE) : 0.004;
    expect(rig.trader.stats().position).toBeCloseTo(held, 12);
    await rig.step(bar(2, 100_900, 101_050, 100_850, 101_000), { sell: true });
    expect(rig.trader.book.order).toMatchObject({ side: 'sell', quantity: h!.buyFeeInBase ? 0.00399 : 0.004 });
  });

  it('writes its state when the book changes, not on quiet bars', async () => {
    const rig = traderOn(await open());
    await rig.trader.start();
    const saves = rig.store.saves;
    for (let i = 0; i < 5; i++) await rig.step(bar(i, 100_000, 100_100, 99_950, 100_000));
    expect(rig.store.saves).toBe(saves);
    await rig.step(bar(5, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(rig.store.saves).toBeGreaterThan(saves);
  });

  it('a bar delivered twice leaves the order placed on it its one bar to fill', async () => {
    const rig = traderOn(await open());
    const b0 = bar(0, 100_000, 100_100, 99_950, 100_000);
    await rig.step(b0, { buy: true });
    const again = await rig.trader.onBar({ ...b0, buy: true, sell: false });
    expect(again.notes.join('\n')).toMatch(/was seen already/);
    expect(rig.trader.book.status).toBe('BUYING');
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(1);
    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    expect(rig.trader.book.status).toBe('BOUGHT');
  });

  it('caps a buy at max_position_quote', async () => {
    const rig = traderOn(await open(), { settings: { max_position_quote: 200 } });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(rig.trader.book.order).toMatchObject({ quantity: 0.002 });
  });

  it('stops buying for the day once the realised loss reaches daily_loss_limit_quote', async () => {
    const rig = traderOn(await open(), { settings: { daily_loss_limit_quote: 5 } });
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900));
    await rig.step(bar(2, 99_000, 99_100, 98_900, 99_000), { sell: true });
    await rig.step(bar(3, 99_050, 99_200, 99_000, 99_150));
    expect(rig.trader.stats().realised).toBeLessThan(-5);
    const tick = await rig.step(bar(4, 99_100, 99_200, 99_000, 99_100), { buy: true });
    expect(rig.trader.book.order).toBeUndefined();
    expect(tick.notes.join('\n')).toMatch(/reached the daily limit 5/);
  });

  it('the kill switch cancels the open order and trades no more', async () => {
    const rig = traderOn(await open());
    await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    expect(await rig.trader.setMode('off')).toBe('Trading is now off; 1 open order cancelled; positions are kept as they are.');
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(0);
    await rig.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(0);
    expect(rig.trader.mode).toBe('off');
  });

  it('after a crash with an open order the restarted trader adopts it: one order, then filled', async () => {
    const first = traderOn(await open());
    await first.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
    const id = first.trader.book.order!.clientOrderId;

    // The state file kept the order: the restart reconciles it with the broker.
    const kept = traderOn(h!, { state: structuredClone(first.store.data), broker: await h!.reopen() });
    await kept.trader.start();
    expect(kept.trader.book).toMatchObject({ status: 'BUYING', order: { clientOrderId: id } });

    // The state file was lost: the order is found on the broker and adopted, not duplicated.
    const lost = traderOn(h!, { state: initialTraderState(1000), broker: await h!.reopen() });
    const notes = await lost.trader.start();
    expect(notes.join('\n')).toMatch(/adopted open buy order/);
    await lost.step(bar(1, 99_950, 100_000, 99_850, 99_900), { buy: true });
    expect(lost.trader.book.status).toBe('BOUGHT');
    expect(await h!.broker.openOrders('BTCUSDT')).toHaveLength(0);
    expect((await h!.broker.fetchOrder('BTCUSDT', id))!.status).toBe('filled');
    expect(lost.trader.stats().position).toBeCloseTo(h!.buyFeeInBase ? 0.0099 * (1 - FEE) : 0.0099, 12);
  });
});
