import schedule from 'node-schedule';
import { nextFireTime, type TickSchedule } from './cron.ts';

/** Calls the tick on the bar schedule until stopped. */
export interface TickScheduler {
  /** Resolves when the schedule has ended (replay exhausted) or `stop()` was called. */
  run(onTick: (fireTime: number) => Promise<unknown>): Promise<void>;
  stop(): void;
}

/** Live: node-schedule on the original's cron table, in UTC. Overlapping ticks are the tick's business. */
export class CronScheduler implements TickScheduler {
  private job: schedule.Job | null = null;
  private finish: (() => void) | null = null;

  constructor(private readonly s: TickSchedule) {}

  run(onTick: (fireTime: number) => Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      this.finish = resolve;
      this.job = schedule.scheduleJob({ rule: this.s.cron, tz: 'Etc/UTC' }, (fireDate: Date) => {
        void onTick(fireDate.getTime());
      });
    });
  }

  stop(): void {
    this.job?.cancel();
    this.job = null;
    this.finish?.();
    this.finish = null;
  }
}

/** A clock the scheduler may move: the replay source's, or a test's fake exchange clock. */
export interface SimulatedClock {
  now(): number;
  /** Moves the clock forwards. */
  setNow(t: number): void;
  /** 0 = jump from tick to tick; N = N× real time. */
  getSpeed(): number;
  /** True when there is nothing left to play. */
  finished(): boolean;
}

export interface ReplaySchedulerOptions {
  /** Stop after this many ticks (0 = until the file ends). */
  maxTicks?: number;
}

/**
 * Replay: the same schedule on the source's simulated clock. At speed 0 the clock jumps to the
 * next fire time as soon as a tick is done; at speed N it waits (fire − now)/N real milliseconds.
 * Ticks run one after another, so they never overlap.
 */
export class ReplayScheduler implements TickScheduler {
  private stopped = false;
  private wake: (() => void) | null = null;
  private ticks = 0;

  constructor(
    private readonly s: TickSchedule,
    private readonly source: SimulatedClock,
    private readonly options: ReplaySchedulerOptions = {},
  ) {}

  get tickCount(): number {
    return this.ticks;
  }

  async run(onTick: (fireTime: number) => Promise<unknown>): Promise<void> {
    const max = this.options.maxTicks ?? 0;
    while (!this.stopped && !this.source.finished() && (!max || this.ticks < max)) {
      const fire = nextFireTime(this.source.now(), this.s);
      const speed = this.source.getSpeed();
      if (speed > 0) {
        await this.sleep((fire - this.source.now()) / speed);
        if (this.stopped) break;
      }
      this.source.setNow(fire);
      this.ticks++;
      await onTick(fire);
      // Let I/O (the terminal chat, signals) in between ticks at full speed.
      if (speed <= 0) await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
