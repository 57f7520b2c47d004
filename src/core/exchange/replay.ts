import { UserError } from '../../shared/errors.ts';
import type { Frame } from '../frame.ts';
import { frameRowToCandle } from '../klines.ts';
import { formatTime, type Freq } from '../time.ts';
import type { Candle, CandleSource } from './types.ts';

export interface ReplayClockOptions {
  /** Simulated time at which the replay starts (epoch ms). */
  start: number;
  /** 0 = the clock moves only when the driver moves it (as fast as possible); N = N× real time. */
  speed: number;
  /** Wall clock used for speed > 0 (tests pass their own). */
  wallNow?: () => number;
  /** The replay ends when the clock reaches this time (default: the close of the file's last candle). */
  end?: number;
}

/**
 * The simulated time of a replay: moved by the driver (speed 0) or running N× real time. Several
 * replayed files on one clock show candles of the same time together.
 */
export class ReplayClock {
  private readonly wallNow: () => number;
  private anchorSim: number;
  private anchorWall: number;

  constructor(
    start: number,
    private speed: number,
    wallNow: () => number = () => performance.now(),
  ) {
    this.wallNow = wallNow;
    this.anchorSim = start;
    this.anchorWall = wallNow();
  }

  now(): number {
    if (this.speed <= 0) return this.anchorSim;
    return this.anchorSim + (this.wallNow() - this.anchorWall) * this.speed;
  }

  /** Moves the clock (only forwards); the speed keeps applying from there. */
  setNow(t: number): void {
    if (t < this.now()) return;
    this.anchorSim = t;
    this.anchorWall = this.wallNow();
  }

  setSpeed(speed: number): void {
    this.anchorSim = this.now();
    this.anchorWall = this.wallNow();
    this.speed = speed;
  }

  getSpeed(): number {
    return this.speed;
  }
}

/**
 * A klines table played as if it were live: a candle becomes visible once its bar has closed
 * on a simulated clock. The service drives the clock (speed 0) or lets it run N× real time;
 * everything downstream sees the same CandleSource interface as for an exchange.
 */
export class ReplayCandleSource implements CandleSource {
  readonly id = 'replay';
  private readonly klines: Frame;
  private readonly barMs: number;
  private clock: ReplayClock;

  /** `klines` in the klines.csv layout (open, high, low, close, volume, …), one row per bar of `freq`. */
  constructor(klines: Frame, freq: Freq, clock: ReplayClockOptions, readonly label = 'replay') {
    if (!klines.length) throw new UserError(`replay: ${label} has no candles`);
    for (const c of ['open', 'high', 'low', 'close', 'volume']) {
      if (!klines.has(c)) throw new UserError(`replay: ${label} has no "${c}" column (a klines.csv file is expected)`);
    }
    const spacing = typicalSpacing(klines.time);
    if (spacing !== freq.ms) {
      throw new UserError(
        `replay: ${label} has bars every ${spacing / 60_000} minutes but freq is ${freq.alias} (use a klines file of that frequency)`,
      );
    }
    this.klines = klines;
    this.barMs = freq.ms;
    this.clock = new ReplayClock(clock.start, clock.speed, clock.wallNow);
    this.end = Math.min(clock.end ?? Infinity, this.lastTime + freq.ms);
  }

  /** When the replay is over (simulated time). */
  readonly end: number;

  /** Plays on `clock` from now on (the one clock of several replayed symbols). */
  useClock(clock: ReplayClock): void {
    this.clock = clock;
  }

  get replayClock(): ReplayClock {
    return this.clock;
  }

  now(): number {
    return this.clock.now();
  }

  /** Moves the simulated clock (only forwards); the speed keeps applying from there. */
  setNow(t: number): void {
    this.clock.setNow(t);
  }

  setSpeed(speed: number): void {
    this.clock.setSpeed(speed);
  }

  getSpeed(): number {
    return this.clock.getSpeed();
  }

  /** Open time of the first and the last candle of the file. */
  get firstTime(): number {
    return this.klines.time[0]!;
  }

  get lastTime(): number {
    return this.klines.time[this.klines.length - 1]!;
  }

  /** True once the clock has reached the end (by default the close of the file's last candle). */
  finished(): boolean {
    return this.now() >= this.end;
  }

  async fetchCandles(_symbol: string, freq: Freq, since: number, limit: number): Promise<Candle[]> {
    if (freq.ms !== this.barMs) {
      throw new UserError(`replay: candles of ${freq.alias} were asked for but ${this.label} holds ${this.barMs / 60_000}-minute bars`);
    }
    const closedBefore = this.now() - this.barMs;
    const out: Candle[] = [];
    for (let i = this.klines.lowerBound(since); i < this.klines.length && out.length < limit; i++) {
      if (this.klines.time[i]! > closedBefore) break;
      out.push(frameRowToCandle(this.klines, i));
    }
    return out;
  }

  describe(): string {
    return `${this.label} (${formatTime(this.firstTime)} … ${formatTime(this.lastTime)}, clock ${formatTime(this.now())}, speed ${this.getSpeed() || 'max'})`;
  }
}

/** The most common distance between consecutive times (robust to a few gaps). */
function typicalSpacing(time: Float64Array): number {
  const counts = new Map<number, number>();
  const n = Math.min(time.length, 2001);
  for (let i = 1; i < n; i++) {
    const d = time[i]! - time[i - 1]!;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [d, c] of counts) if (c > bestCount) [best, bestCount] = [d, c];
  return best;
}
