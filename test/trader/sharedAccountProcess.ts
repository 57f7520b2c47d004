/**
 * Trades the fixed SESSION of two symbols on one shared paper wallet in DATA_DIR, as the service
 * does (both traders get each bar at once). With KILL_BAR=k it stops at the first write of the
 * shared wallet during bar k (pause point `paper-wallet-written`, announced in ITB_PAUSE_FILE),
 * where the kill -9 test kills it.
 */
import { openTraders } from '../../src/app/trader.ts';
import { SESSION, accountConfigs, sessionClock } from './accountSetup.ts';

const configs = accountConfigs(process.env.DATA_DIR!, ['BTCUSDT', 'ETHUSDT'], { mode: 'paper' });
let now = sessionClock(SESSION[0]!) - 2000;
const { traders } = await openTraders(configs, { clock: () => now });
for (const t of traders) await t.trader.start();
const killAt = Number(process.env.KILL_BAR ?? -1);
for (const [i, bars] of SESSION.entries()) {
  if (i === killAt) process.env.ITB_PAUSE_AT = 'paper-wallet-written';
  now = sessionClock(bars);
  await Promise.all(traders.map(({ trader }) => {
    const [c, s = {}] = bars[trader.symbol]!;
    return trader.onBar({ ...c, buy: !!s.buy, sell: !!s.sell });
  }));
}
