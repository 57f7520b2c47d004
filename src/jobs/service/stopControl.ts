import { describeError } from '../../core/errors.ts';
import type { Logger } from '../../log.ts';

/** Thrown out of a start-up step when a stop signal comes before the service runs. */
export class StoppedDuringStart extends Error {}

/**
 * The stop of a service: the first stop request (a signal, an abort) is remembered with its
 * time; start-up steps give way to it, and the shutdown waits for each part only until
 * `budgetMs` after it, so that an unreachable exchange or Telegram never holds the stop up.
 */
export class StopControl {
  /** When the stop was requested (epoch ms); null while running. */
  at: number | null = null;
  readonly requested: Promise<void>;
  private resolve!: () => void;
  private readonly duringStart: Promise<never>;

  constructor(
    private readonly budgetMs: number,
    private readonly log: Logger,
    private readonly onStop: () => void,
  ) {
    this.requested = new Promise<void>((r) => (this.resolve = r));
    this.duringStart = this.requested.then((): never => {
      throw new StoppedDuringStart();
    });
    this.duringStart.catch(() => undefined);
  }

  /** Requests the stop (later requests change nothing). */
  readonly stop = (): void => {
    if (this.at !== null) return;
    this.at = Date.now();
    this.log.info('stopping: finishing the running tick …');
    this.resolve();
    this.onStop();
  };

  /** A start-up step that gives way to a stop (what it was waiting for is left behind). */
  unlessStopped<T>(step: Promise<T>): Promise<T> {
    step.catch(() => undefined);
    return Promise.race([step, this.duringStart]);
  }

  /** Waits for a part of the shutdown, at most until the budget since the stop is spent (the stop counts as now when none was requested). */
  async withinBudget(what: string, step: Promise<unknown> | undefined): Promise<void> {
    if (!step) return;
    this.at ??= Date.now();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      step.then(
        () => false,
        (e: unknown) => (this.log.error(`${what}: ${describeError(e)}`), false),
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Math.max(0, this.at! + this.budgetMs - Date.now())))),
    ]);
    clearTimeout(timer);
    if (gaveUp) this.log.warn(`${what} did not finish within ${this.budgetMs / 1000} s of the stop; left behind`);
  }
}
