import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { PaperBroker } from '../../src/core/trader/paperBroker.ts';
import { Trader, startMode, type TraderMode, type TraderState } from '../../src/core/trader/trader.ts';
import { parseFreq } from '../../src/core/time.ts';
import { readmePromises } from '../readmePromises.ts';
import { FEE, bar, liveHarness, type BrokerHarness } from './harness.ts';
import { memoryStore, traderOn, traderSettings } from './traderSetup.ts';

const MODE_PROMISE =
  "The config's `trader.mode: \"off\"` wins over any stored mode at start-up, and the stored mode's open orders are cancelled; an admin's `/trade off` survives a restart; a stored live comes back only while the config says `live`. Every difference between the config and the stored mode is told to the admins.";

describe('the trading mode at start-up', () => {
  it('is the config\'s "off" over any stored mode, else the more cautious of the two; live never on a first start', () => {
    const cases: [TraderMode, TraderMode | undefined, TraderMode][] = [
      ['off', undefined, 'off'],
      ['paper', undefined, 'paper'],
      ['live', undefined, 'paper'],
      ['off', 'live', 'off'],
      ['off', 'paper', 'off'],
      ['paper', 'live', 'paper'],
      ['paper', 'off', 'off'],
      ['live', 'off', 'off'],
      ['live', 'paper', 'paper'],
      ['live', 'live', 'live'],
      ['paper', 'paper', 'paper'],
      ['off', 'off', 'off'],
    ];
    for (const [configured, stored, expected] of cases) {
      const { mode, notice } = startMode(configured, stored);
      expect(mode, `config ${configured}, stored ${stored}`).toBe(expected);
      // every difference between the config and the stored mode (or, on a first start, the mode) is told
      expect(notice !== undefined, `config ${configured}, stored ${stored}`).toBe(configured !== (stored ?? mode));
    }
  });

  describe('after a restart on the live exchange', () => {
    let h: BrokerHarness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    /** A live trader that bought: an open order on the exchange, the state as the restart finds it. */
    const liveWithOpenOrder = async () => {
      h = await liveHarness({ USDT: 1000 });
      const rig = traderOn(h);
      await rig.step(bar(0, 100_000, 100_100, 99_950, 100_000), { buy: true });
      expect(h.book!.orders[0]!.status).toBe('NEW');
      return structuredClone(rig.store.data);
    };
    const restart = async (state: TraderState, settings: Partial<Config['trader']>) => {
      const told: string[] = [];
      const trader = new Trader({
        symbol: 'BTCUSDT',
        freq: parseFreq('1min'),
        settings: traderSettings(settings),
        paper: new PaperBroker({ initialBalances: { USDT: 1000 }, fees: FEE, clock: h!.now }),
        live: await h!.reopen(),
        store: memoryStore(state),
        clock: h!.now,
        tellAdmins: (text) => void told.push(text),
      });
      await trader.start();
      return { trader, told };
    };

    it('the config\'s "off" wins over a stored live (the kill switch): the open order is cancelled, nothing trades, the admins are told', async () => {
      const { trader, told } = await restart(await liveWithOpenOrder(), { mode: 'off' });
      expect(trader.mode).toBe('off');
      expect(told).toEqual([
        'trader.mode is "off" in the config (the kill switch): trading is off; it was live before the restart',
        '1 open live order cancelled because trading is off',
      ]);
      expect(h!.book!.orders[0]!.status).toBe('CANCELED');
      await h!.closeBar(bar(1, 99_950, 100_000, 99_850, 99_900));
      await trader.onBar({ ...bar(1, 99_950, 100_000, 99_850, 99_900), buy: true, sell: false });
      expect(h!.book!.orders).toHaveLength(1);
      expect(readmePromises()).toContain(MODE_PROMISE);
    });

    it('a stored live does not come back live when the config says paper: live needs /trade live again', async () => {
      const { trader, told } = await restart(await liveWithOpenOrder(), { mode: 'paper' });
      expect(trader.mode).toBe('paper');
      expect(told).toEqual(['trader.mode is "paper" in the config: live trading did not resume, trading is paper; /trade live (with its confirmation) turns it on again']);
      expect(await trader.setMode('live')).toBe('Trading is now live.');
      expect(trader.book).toMatchObject({ status: 'BUYING', order: { clientOrderId: h!.book!.orders[0]!.clientOrderId } });
    });

    it('a stored live resumes when the config still says live, and nothing is told', async () => {
      const { trader, told } = await restart(await liveWithOpenOrder(), { mode: 'live' });
      expect(trader.mode).toBe('live');
      expect(told).toEqual([]);
      expect(trader.book.status).toBe('BUYING');
    });

    it("an admin's /trade off survives a restart whatever the config says, and the difference is told", async () => {
      const state = await liveWithOpenOrder();
      state.mode = 'off';
      const { trader, told } = await restart(state, { mode: 'paper' });
      expect(trader.mode).toBe('off');
      expect(told).toEqual(['trading stays off as an admin left it (/trade off); the config says "paper": /trade paper resumes it']);
    });
  });
});
