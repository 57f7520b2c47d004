import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/core/notify/tradeMessages.ts';
import type { FakeMessage } from '../fakes/telegram.ts';
import { ADMIN, startHarness, type Harness } from '../bot/harness.ts';
import { accountRig, candle, type AccountRig } from './accountSetup.ts';

const textOf = (m: FakeMessage) => m.text ?? m.caption ?? '';

/**
 * The bot's trading commands on the account control of two symbols on one paper wallet: BTC
 * bought and sold at a profit, ETH bought with the quote BTC left and held.
 */
describe('/trade, /trades, /profit and /balance for several symbols on one account', () => {
  let rig: AccountRig;
  let h: Harness;
  const ask = async (text: string) => textOf(await h.ask(ADMIN, text));
  beforeAll(async () => {
    rig = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT'] });
    const btc = (i: number, f = 1) => candle(i, 100_000 * f, 100_200 * f, 99_800 * f, 100_000 * f);
    const eth = (i: number) => candle(i, 3000, 3006, 2994, 3000);
    await rig.step({ BTCUSDT: [btc(0), { buy: true }], ETHUSDT: [eth(0)] });
    await rig.step({ BTCUSDT: [btc(1)], ETHUSDT: [eth(1)] });
    await rig.step({ BTCUSDT: [btc(2, 1.01), { sell: true }], ETHUSDT: [eth(2), { buy: true }] });
    await rig.step({ BTCUSDT: [btc(3, 1.01)], ETHUSDT: [eth(3)] });
    h = await startHarness({ services: { trader: rig.opened.control } });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
    await rig?.close();
  });

  it('/profit: each symbol and the total; /profit ETH: that symbol', async () => {
    const btc = rig.trader('BTCUSDT').stats();
    expect(btc).toMatchObject({ trades: 1, wins: 1 });
    const money = `${btc.realised.toFixed(2)} USDT (${btc.realisedPercent.toFixed(2)}%)`;
    expect(await ask('/profit')).toBe(
      [
        `BTCUSDT: 1 closed trade (1 won, 0 lost), profit ${money}`,
        'ETHUSDT: no closed trades',
        'Total:',
        'Closed trades: 1 (1 won, 0 lost, win rate 100.0%)',
        `Profit: ${money}`,
        'Max drawdown: 0.00%',
        'From 2025-01-06 10:02 UTC to 2025-01-06 10:04 UTC',
      ].join('\n'),
    );
    expect(await ask('/profit eth')).toBe('ETHUSDT:\nNo closed trades of ETHUSDT yet.');
    expect(await ask('/profit DOGE')).toBe('"DOGE" is not a symbol served here (BTCUSDT, ETHUSDT)');
  });

  it('/trades: the newest of all symbols, each named; /trades ETH 1: that symbol', async () => {
    const eth = rig.trader('ETHUSDT').book.ledger[0]!;
    const btcSell = rig.trader('BTCUSDT').book.ledger[1]!;
    expect(await ask('/trades')).toBe(
      [
        'Last 3 trades:',
        `2025-01-06 10:04 UTC BTCUSDT SELL @ 101101 × 0.00495 +${btcSell.profitPercent!.toFixed(2)}% (paper)`,
        `2025-01-06 10:04 UTC ETHUSDT BUY @ 2997 × ${formatAmount(eth.quantity)} (paper)`,
        '2025-01-06 10:02 UTC BTCUSDT BUY @ 99900 × 0.00495 (paper)',
      ].join('\n'),
    );
    expect(await ask('/trades ETH 1')).toBe(`Last 1 trades of ETHUSDT:\n2025-01-06 10:04 UTC BUY @ 2997 × ${formatAmount(eth.quantity)} (paper)`);
  });

  it('/balance shows the shared account once; /trade status each symbol and the open trades; /trade off ETH stops ETH alone', async () => {
    const b = await rig.opened.control.balance();
    expect(await ask('/balance')).toBe(`Balance (paper, shared by BTCUSDT, ETHUSDT):\nUSDT: ${formatAmount(b.USDT!.free)}\nETH: ${formatAmount(b.ETH!.free)}`);
    const position = `${formatAmount(rig.trader('ETHUSDT').stats().position)} ETH`;
    expect(await ask('/trade status')).toBe(`BTCUSDT: paper (SOLD)\nETHUSDT: paper (BOUGHT), position ${position}\nOpen trades: 1 of max_open_trades 2 (ETHUSDT)`);
    expect(await ask('/trade off ETH')).toBe('ETHUSDT: Trading is now off; positions are kept as they are.');
    expect(await ask('/trade status eth')).toBe(`Trading ETHUSDT: off\nOpen orders: 0\nPosition: ${position}`);
    expect(rig.trader('BTCUSDT').mode).toBe('paper');
  });

  it('/trade takes the symbol before the action too (/trade eth status), matched forgivingly', async () => {
    expect(rig.trader('ETHUSDT').mode).toBe('off');
    expect(await ask('/trade eth status')).toBe(await ask('/trade status eth'));
    expect(await ask('/trade ETH/USDT status')).toMatch(/^Trading ETHUSDT: off\n/);
    expect(await ask('/trade ethusdt paper')).toMatch(/^ETHUSDT: /);
    expect(rig.trader('ETHUSDT').mode).toBe('paper');
    expect(await ask('/trade doge status')).toBe('"doge" is not a symbol served here (BTCUSDT, ETHUSDT)');
  });

  it('/trade live asks to switch every symbol, or the one named', async () => {
    const keyed = await startHarness({ services: { trader: rig.opened.control }, raw: { exchange: { api_key: 'k-123456', api_secret: 's-123456' } } });
    try {
      const all = textOf(await keyed.ask(ADMIN, '/trade live'));
      expect(all.split('\n')[0]).toBe('⚠ Switch to LIVE trading: real orders on binance for BTCUSDT, ETHUSDT, each buy using 99% of its share of the free balance BTCUSDT, ETHUSDT share?');
      expect(textOf(await keyed.ask(ADMIN, '/trade live doge'))).toBe('"doge" is not a symbol served here (BTCUSDT, ETHUSDT)');
    } finally {
      await keyed.close();
    }
  });
});
