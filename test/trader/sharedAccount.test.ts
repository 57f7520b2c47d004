import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/core/trader/broker.ts';
import { floorToStep } from '../../src/core/trader/marketRules.ts';
import { readmePromises } from '../readmePromises.ts';
import { accountRig, candle, type AccountRig } from './accountSetup.ts';
import { FEE } from './harness.ts';

const PRICE: Record<string, number> = { BTCUSDT: 100_000, ETHUSDT: 3_000, SOLUSDT: 150 };
/** A quiet bar around the symbol's price times `f`: a limit buy placed at the close before it fills. */
const flat = (symbol: string, i: number, f = 1) => {
  const p = PRICE[symbol]! * f;
  return candle(i, p, p * 1.002, p * 0.998, p);
};
const SIZING_PROMISE =
  'Several symbols on one account share its quote asset: a buy takes `free quote ÷ (max_open_trades − trades open on the other symbols)` of it, and buys are decided one symbol at a time, so buys on the same bar never spend the same quote twice. A buy beyond `max_open_trades` places no order and says why in `/trade status`.';
const LOSS_PROMISE =
  'The total daily loss limit (`trader.total_daily_loss_limit_quote`) stops the buys of every symbol until 00:00 UTC and is told to the admins once; a symbol\'s own `daily_loss_limit_quote` stops that symbol only.';

let rig: AccountRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe.each([
  ['paper wallet', 'paper', ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']],
  ['live account (ccxt on the loopback fake)', 'live', ['BTCUSDT', 'ETHUSDT']],
] as const)('several symbols on one %s', (_name, kind, symbols) => {
  /** Lot steps: the paper wallet's default, Binance's filters on the fake. */
  const step = (symbol: string) => (kind === 'live' && symbol === 'ETHUSDT' ? 0.0001 : 0.00001);
  /** Quote a buy locks per unit of its price: the paper wallet adds its fee, Binance takes the fee in the base asset. */
  const locks = (o: Order) => o.price * o.quantity * (kind === 'paper' ? 1 + FEE : 1);

  it('buys on the same bar each take their share of the free quote, never the same quote twice', async () => {
    rig = await accountRig({ kind, symbols: [...symbols] });
    const n = symbols.length;
    await rig.step(Object.fromEntries(symbols.map((s) => [s, [flat(s, 0), { buy: true }]])));
    const orders = symbols.map((s) => rig!.trader(s).book.order!).sort((a, b) => Number(a.id) - Number(b.id));
    expect(orders.map((o) => o.status)).toEqual(symbols.map(() => 'open'));
    // In the order they were placed: free ÷ (max_open_trades − trades already open), 99 % of it.
    let free = 1000;
    for (const [k, o] of orders.entries()) {
      const stake = free / (n - k);
      expect(o.quantity, o.symbol).toBe(floorToStep(Math.min(stake * 0.99, stake / (1 + FEE)) / o.price, step(o.symbol)));
      expect(locks(o)).toBeLessThanOrEqual(free);
      free -= locks(o);
    }
    expect(locks(orders[0]!)).toBeLessThan(1000 / n);
    expect((await rig.opened.control.balance()).USDT!.free).toBeCloseTo(free, 6);

    // Filled: each symbol's position is its base balance on the shared account.
    await rig.step(Object.fromEntries(symbols.map((s) => [s, [flat(s, 1)]])));
    const balances = await rig.opened.control.balance();
    for (const s of symbols) {
      expect(rig.trader(s).book.status).toBe('BOUGHT');
      expect(rig.trader(s).stats().position).toBeCloseTo(balances[s.replace('USDT', '')]!.free, 10);
    }
    expect(readmePromises()).toContain(SIZING_PROMISE);
  }, 30_000);

  it('max_open_trades: a buy beyond it places no order and says why in /trade status; a sell frees the slot', async () => {
    rig = await accountRig({ kind, symbols: ['BTCUSDT', 'ETHUSDT'], trader: { max_open_trades: 1 } });
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 0), { buy: true }], ETHUSDT: [flat('ETHUSDT', 0)] });
    // Alone among the trades allowed, the buy takes the whole free quote, as a single trader does.
    expect(rig.trader('BTCUSDT').book.order).toMatchObject({ price: 99_900, quantity: 0.0099 });
    const blocked = await rig.step({ BTCUSDT: [flat('BTCUSDT', 1)], ETHUSDT: [flat('ETHUSDT', 1), { buy: true }] });
    expect(rig.trader('ETHUSDT').book.order).toBeUndefined();
    expect(blocked.ETHUSDT!.notes).toContain('no buy order: max_open_trades 1 reached (BTCUSDT holds a trade)');
    const status = await rig.opened.control.status();
    expect(status.openTrades).toEqual({ symbols: ['BTCUSDT'], max: 1 });
    expect(status.bySymbol!.find((s) => s.symbol === 'ETHUSDT')!.notes).toContain('last: no buy order: max_open_trades 1 reached (BTCUSDT holds a trade)');

    // A trade being sold still counts; once sold, the next buy signal takes the slot and the quote.
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 2), { sell: true }], ETHUSDT: [flat('ETHUSDT', 2), { buy: true }] });
    expect(rig.trader('ETHUSDT').book.order).toBeUndefined();
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 3)], ETHUSDT: [flat('ETHUSDT', 3)] });
    expect(rig.trader('BTCUSDT').book.status).toBe('SOLD');
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 4)], ETHUSDT: [flat('ETHUSDT', 4), { buy: true }] });
    const free = (await rig.opened.control.balance()).USDT!;
    const eth = rig.trader('ETHUSDT').book.order!;
    expect(eth).toMatchObject({ side: 'buy', status: 'open' });
    expect(eth.price * eth.quantity).toBeGreaterThan(0.98 * (free.free + (free.locked ?? 0)));
    expect((await rig.opened.control.status()).openTrades).toEqual({ symbols: ['ETHUSDT'], max: 1 });
  }, 30_000);
});

describe('loss limits on a shared paper wallet', () => {
  /** Each symbol buys on bar `i` and sells 2 % lower two bars later: a loss of about 2.2 % of its stake. */
  const roundTrip = async (r: AccountRig, names: string[], i: number) => {
    const all = (k: number, f: number, signal?: { buy?: boolean; sell?: boolean }) => Object.fromEntries(names.map((s) => [s, [flat(s, k, f), signal]] as const));
    await r.step(all(i, 1, { buy: true }));
    await r.step(all(i + 1, 1));
    await r.step(all(i + 2, 0.98, { sell: true }));
    await r.step(all(i + 3, 0.98));
  };

  it('the total daily loss limit stops every symbol until 00:00 UTC and tells the admins once', async () => {
    rig = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], trader: { total_daily_loss_limit_quote: 10 } });
    await roundTrip(rig, ['BTCUSDT', 'ETHUSDT'], 0);
    const btc = rig.trader('BTCUSDT').stats().realised;
    const eth = rig.trader('ETHUSDT').stats().realised;
    // Each symbol's loss alone is under the limit, both together are over it.
    expect(Math.min(btc, eth)).toBeGreaterThan(-10);
    expect(btc + eth).toBeLessThanOrEqual(-10);
    const told = () => rig!.told.filter((t) => t.includes('total_daily_loss_limit_quote'));
    const reason = `the realised loss of BTCUSDT, ETHUSDT, SOLUSDT today, ${(-(btc + eth)).toFixed(2)} USDT, reached trader.total_daily_loss_limit_quote 10`;
    expect(told()).toEqual([`⚠️ paper: ${reason}: no new buys on any symbol until 00:00 UTC; positions are kept and sold on their signals.`]);

    // SOL lost nothing, and buys no more than the others; asking again tells nobody again.
    for (const i of [4, 5]) {
      const ticks = await rig.step({ BTCUSDT: [flat('BTCUSDT', i), { buy: true }], SOLUSDT: [flat('SOLUSDT', i), { buy: true }] });
      expect(ticks.SOLUSDT!.notes).toContain(`no buy order: ${reason}`);
      expect(ticks.BTCUSDT!.notes).toContain(`no buy order: ${reason}`);
    }
    expect(rig.trader('SOLUSDT').book.order).toBeUndefined();
    expect(told()).toHaveLength(1);
    expect((await rig.opened.control.status()).notes).toContain(`no buys until 00:00 UTC: ${reason}`);

    // The next UTC day (T0 is 10:00): buying resumes.
    const nextDay = 14 * 60;
    await rig.step({ SOLUSDT: [flat('SOLUSDT', nextDay), { buy: true }] });
    expect(rig.trader('SOLUSDT').book.order).toMatchObject({ side: 'buy', status: 'open' });
    expect(readmePromises()).toContain(LOSS_PROMISE);
  }, 30_000);

  it("a symbol's own daily loss limit stops that symbol only", async () => {
    rig = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT'], trader: { daily_loss_limit_quote: 5 } });
    await roundTrip(rig, ['BTCUSDT'], 0);
    const loss = -rig.trader('BTCUSDT').stats().realised;
    expect(loss).toBeGreaterThan(5);
    const ticks = await rig.step({ BTCUSDT: [flat('BTCUSDT', 4), { buy: true }], ETHUSDT: [flat('ETHUSDT', 4), { buy: true }] });
    expect(ticks.BTCUSDT!.notes).toContain(`no buy order: today's realised loss ${loss.toFixed(2)} reached the daily limit 5`);
    expect(rig.trader('BTCUSDT').book.order).toBeUndefined();
    expect(rig.trader('ETHUSDT').book.order).toMatchObject({ side: 'buy', status: 'open' });
    expect(rig.told).toEqual([]);
  }, 30_000);
});

describe('one live account, several symbols', () => {
  it("reconciles each symbol with its own base balance: a manual ETH trade is ETH's adjustment; client ids name the symbol", async () => {
    rig = await accountRig({ kind: 'live', symbols: ['BTCUSDT', 'ETHUSDT'] });
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 0), { buy: true }], ETHUSDT: [flat('ETHUSDT', 0), { buy: true }] });
    const ids = rig.book!.orders.map((o) => o.clientOrderId).sort();
    expect(ids).toEqual([expect.stringMatching(/^itb-BTCUSDT-\w+-b$/), expect.stringMatching(/^itb-ETHUSDT-\w+-b$/)]);
    expect(ids[0]!.split('-')[2]).toBe(ids[1]!.split('-')[2]); // one bar, one side: the symbol tells them apart
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 1)], ETHUSDT: [flat('ETHUSDT', 1)] });
    const btcLedger = structuredClone(rig.trader('BTCUSDT').book.ledger);
    const ethBooked = rig.trader('ETHUSDT').stats().position;

    // Someone buys 0.05 ETH by hand on the account while the service is down.
    rig.book!.balances.ETH!.free += 0.05;
    const restarted = await rig.reopen();
    expect(restarted.told).toHaveLength(1);
    expect(restarted.told[0]).toMatch(/^⚠️ ETHUSDT live: the books did not match the account\. The account holds [\d.]+ ETH, the books [\d.]+ ETH: \+0\.05 ETH /);
    expect(restarted.trader('ETHUSDT').book.ledger.at(-1)).toMatchObject({ adjustment: true, side: 'buy', price: 3000 });
    expect(restarted.trader('ETHUSDT').stats().position).toBeCloseTo(ethBooked + 0.05, 10);
    expect(restarted.trader('BTCUSDT').book.ledger).toEqual(btcLedger);
  }, 30_000);

  it('the kill switch stops every symbol; /trade off ETH stops ETH alone', async () => {
    rig = await accountRig({ kind: 'live', symbols: ['BTCUSDT', 'ETHUSDT'] });
    const control = rig.opened.control;
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 0), { buy: true }], ETHUSDT: [flat('ETHUSDT', 0), { buy: true }] });
    const open = () => rig!.book!.orders.filter((o) => o.status === 'NEW').map((o) => o.symbol);
    expect(open().sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(await control.setMode('off', 'eth')).toBe('ETHUSDT: Trading is now off; 1 open order cancelled; positions are kept as they are.');
    expect(open()).toEqual(['BTCUSDT']);
    await rig.step({ BTCUSDT: [flat('BTCUSDT', 1)], ETHUSDT: [flat('ETHUSDT', 1), { buy: true }] });
    expect(rig.trader('BTCUSDT').book.status).toBe('BOUGHT');
    expect(rig.book!.orders.filter((o) => o.symbol === 'ETHUSDT')).toHaveLength(1);

    await rig.step({ BTCUSDT: [flat('BTCUSDT', 2), { sell: true }], ETHUSDT: [flat('ETHUSDT', 2)] });
    expect(open()).toEqual(['BTCUSDT']);
    expect(await control.setMode('off')).toBe('BTCUSDT: Trading is now off; 1 open order cancelled; positions are kept as they are.\nETHUSDT: Trading is already off.');
    expect(open()).toEqual([]);
    expect(rig.opened.traders.map((t) => t.trader.mode)).toEqual(['off', 'off']);
    await expect(control.setMode('off', 'DOGE')).rejects.toThrow('"DOGE" is not a symbol served here (BTCUSDT, ETHUSDT)');
  }, 30_000);
});
