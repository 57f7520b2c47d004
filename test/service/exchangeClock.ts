import type { Config } from '../../src/config/schema.ts';
import { CcxtCandleSource } from '../../src/exchange/ccxt.ts';
import type { Candle, CandleSource } from '../../src/core/exchange/types.ts';
import type { Frame } from '../../src/core/frame.ts';
import { frameRowToCandle } from '../../src/core/klines.ts';
import type { Freq } from '../../src/core/time.ts';
import type { SimulatedClock } from '../../src/jobs/service/scheduler.ts';
import type { FakeBinance } from '../fakes/binance.ts';

/**
 * The real ccxt candle source against the loopback Binance fake, on a simulated clock shared
 * with the fake: moving the clock is what makes the next candle close on the "exchange".
 */
export class FakeExchangeClock implements CandleSource, SimulatedClock {
  readonly id = 'fake-binance';
  private t: number;
  readonly ccxt: CcxtCandleSource;

  constructor(
    config: Config,
    private readonly fake: Pick<FakeBinance, 'setNow'>,
    start: number,
    private readonly end: number,
    /** The ccxt source to use (default: the config's, with the process's request budget). */
    ccxt: CcxtCandleSource = CcxtCandleSource.fromConfig(config),
  ) {
    this.ccxt = ccxt;
    // The loopback fake has no rate limit; ccxt's own spacing of requests would only slow the replay.
    this.ccxt.exchange.enableRateLimit = false;
    this.t = start;
    fake.setNow(start);
  }

  now(): number {
    return this.t;
  }

  setNow(t: number): void {
    if (t <= this.t) return;
    this.t = t;
    this.fake.setNow(t);
  }

  getSpeed(): number {
    return 0;
  }

  finished(): boolean {
    return this.t >= this.end;
  }

  fetchCandles(symbol: string, freq: Freq, since: number, limit: number): Promise<Candle[]> {
    return this.ccxt.fetchCandles(symbol, freq, since, limit);
  }

  close(): Promise<void> {
    return this.ccxt.close();
  }
}

export function frameToCandles(f: Frame): Candle[] {
  return Array.from({ length: f.length }, (_, i) => frameRowToCandle(f, i));
}
