import ccxt from 'ccxt';
import type { Config } from '../../config/schema.ts';
import { CcxtCandleSource } from '../../exchange/ccxt.ts';
import type { CandleSource } from '../../core/exchange/types.ts';
import { describeError } from '../../shared/errors.ts';
import { log } from '../../shared/log.ts';
import { openReplaySource, resolveVenue, type ReplayStart } from './source.ts';

/**
 * The service's candles: the replay file on a simulated clock (venue "replay"), or the exchange
 * through ccxt on its server clock. An unknown venue is a config error in one sentence.
 */
export async function createCandleSource(config: Config, replay: ReplayStart = {}): Promise<CandleSource> {
  const venue = resolveVenue(config, ccxt.exchanges as string[]);
  if (venue === 'replay') return openReplaySource(config, replay);
  const source = CcxtCandleSource.fromConfig({ ...config, exchange: { ...config.exchange, id: venue } }, { log: log() });
  try {
    await source.serverTime();
  } catch (e) {
    log().warn(`could not read the exchange's clock (${describeError(e)}); using the local clock`);
  }
  return source;
}
