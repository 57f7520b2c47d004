/**
 * The request budget of an exchange shared by every candle fetch of a process: at most
 * `concurrency` requests in flight, and at most `weightPerMinute` of request weight in any
 * sliding minute (Binance counts weight per IP per minute and answers 429, then bans with 418,
 * beyond it). Requests wait their turn in the order they asked.
 */
export interface RequestBudgetLimits {
  weightPerMinute: number;
  concurrency: number;
}

export interface RequestBudgetStats {
  requests: number;
  weight: number;
  /** Requests that had to wait for the weight budget (not just for a free slot). */
  waitedForWeight: number;
}

/**
 * Binance's weight of a klines request by its `limit` (1–99: 1, 100–499: 2, 500–1000: 5, more: 10),
 * the table of its futures API; spot klines weigh 2 whatever the limit against a budget five times
 * larger (6000/min), so this table against 1200/min stays within both.
 */
export function klinesWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

const WINDOW_MS = 60_000;

export class RequestBudget {
  private inFlight = 0;
  /** Weight spent and when, oldest first. */
  private spent: Array<{ at: number; weight: number }> = [];
  private spentWeight = 0;
  private readonly waiting: Array<{ weight: number; go: () => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  readonly stats: RequestBudgetStats = { requests: 0, weight: 0, waitedForWeight: 0 };

  constructor(
    readonly limits: RequestBudgetLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `fn` once a slot is free and its weight fits the minute's budget. */
  async run<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    await this.admit(Math.min(weight, this.limits.weightPerMinute));
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.pump();
    }
  }

  /** Weight spent in the last minute. */
  weightInWindow(): number {
    this.expire(this.now());
    return this.spentWeight;
  }

  private admit(weight: number): Promise<void> {
    return new Promise((go) => {
      this.waiting.push({ weight, go });
      this.pump();
    });
  }

  private expire(now: number): void {
    let drop = 0;
    while (drop < this.spent.length && this.spent[drop]!.at <= now - WINDOW_MS) this.spentWeight -= this.spent[drop++]!.weight;
    if (drop) this.spent.splice(0, drop);
  }

  private pump(): void {
    while (this.waiting.length && this.inFlight < this.limits.concurrency) {
      const head = this.waiting[0]!;
      const now = this.now();
      this.expire(now);
      if (this.spentWeight + head.weight > this.limits.weightPerMinute) {
        // The head waits until enough of the window's weight has aged out; later ones wait behind it.
        if (!this.timer) {
          this.stats.waitedForWeight++;
          let freed = this.spentWeight + head.weight - this.limits.weightPerMinute;
          let i = 0;
          while (freed > 0 && i < this.spent.length) freed -= this.spent[i++]!.weight;
          const wait = Math.max(1, this.spent[i - 1]!.at + WINDOW_MS - now);
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, wait);
        }
        return;
      }
      this.waiting.shift();
      this.inFlight++;
      this.spent.push({ at: now, weight: head.weight });
      this.spentWeight += head.weight;
      this.stats.requests++;
      this.stats.weight += head.weight;
      head.go();
    }
  }
}

const shared = new Map<string, RequestBudget>();

/** The one budget of an exchange (its id, market type and address) in this process. */
export function sharedBudget(key: string, limits: RequestBudgetLimits): RequestBudget {
  let b = shared.get(key);
  if (!b) shared.set(key, (b = new RequestBudget(limits)));
  return b;
}
