/** A count allowed per sliding window. */
export interface RateWindow {
  count: number;
  windowMs: number;
}

/**
 * Telegram's sending limits: about 30 messages a second overall, 1 a second per chat,
 * 20 a minute per group or channel. The defaults stay a little under them so that network
 * jitter cannot push arrivals over.
 */
export interface SendLimits {
  overall: RateWindow;
  perChat: RateWindow;
  perGroup: RateWindow;
}

export const TELEGRAM_SEND_LIMITS: SendLimits = {
  overall: { count: 25, windowMs: 1000 },
  perChat: { count: 1, windowMs: 1050 },
  perGroup: { count: 18, windowMs: 60_000 },
};

/**
 * Sends that still count in a window. A send counts from the moment it is admitted until a
 * window after its answer came back: Telegram sees it somewhere in between, so however the
 * network delays or bunches requests, no window at Telegram's end can hold more than the limit.
 */
class SlidingWindow {
  private inFlight = 0;
  /** Answer times of finished sends, oldest first. */
  private ends: number[] = [];
  constructor(private readonly limit: RateWindow) {}

  waitMs(now: number): number {
    const cutoff = now - this.limit.windowMs;
    let drop = 0;
    while (drop < this.ends.length && this.ends[drop]! <= cutoff) drop++;
    if (drop) this.ends.splice(0, drop);
    if (this.inFlight + this.ends.length < this.limit.count) return 0;
    // All in flight: look again shortly (an answer frees a place a window later).
    return this.ends.length ? this.ends[0]! + this.limit.windowMs - now : 5;
  }

  /** Counts a send admitted now; `finish(t)` records when its answer came. */
  start(): void {
    this.inFlight++;
  }

  finish(t: number): void {
    this.inFlight--;
    this.ends.push(t);
  }

  get empty(): boolean {
    return this.inFlight === 0 && this.ends.length === 0;
  }
}

/** Groups and channels have negative ids or @usernames; private chats positive ids. */
export function isGroupChat(chatId: string | number): boolean {
  const s = String(chatId);
  return s.startsWith('-') || s.startsWith('@');
}

/**
 * Waits until a send to `chatId` fits every limit, then records it. Sends are admitted in the
 * order they asked within a chat; across chats whoever fits first goes first.
 */
export class SendLimiter {
  private readonly overall: SlidingWindow;
  private readonly chats = new Map<string, { window: SlidingWindow; pausedUntil: number }>();
  private pausedUntil = 0;
  private sweepAt = 0;

  constructor(
    readonly limits: SendLimits = TELEGRAM_SEND_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.overall = new SlidingWindow(limits.overall);
  }

  private chat(chatId: string) {
    let c = this.chats.get(chatId);
    if (!c) {
      c = { window: new SlidingWindow(isGroupChat(chatId) ? this.limits.perGroup : this.limits.perChat), pausedUntil: 0 };
      this.chats.set(chatId, c);
    }
    return c;
  }

  /**
   * Resolves when a message to `chatId` may be sent now, with the function to call once its
   * answer arrived (until then it counts as in flight). Replies to a person's
   * own command (`interactive`) may burst in a private chat, as Telegram allows; they still
   * count against the overall and group limits, and respect a pause after a 429.
   */
  async acquire(chatId: string | number, signal?: AbortSignal, interactive = false): Promise<() => void> {
    const key = String(chatId);
    const chatLimited = !interactive || isGroupChat(key);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const c = this.chat(key);
      const chatWait = chatLimited ? c.window.waitMs(now) : 0;
      const wait = Math.max(this.overall.waitMs(now), chatWait, c.pausedUntil - now, this.pausedUntil - now);
      if (wait <= 0) {
        this.overall.start();
        if (chatLimited) c.window.start();
        this.sweep(now);
        let finished = false;
        return () => {
          if (finished) return;
          finished = true;
          const t = this.now();
          this.overall.finish(t);
          if (chatLimited) c.window.finish(t);
        };
      }
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(wait))));
    }
  }

  /** After a 429: hold this chat (or every chat when `chatId` is absent) for `ms`. */
  pause(ms: number, chatId?: string | number): void {
    const until = this.now() + ms;
    if (chatId === undefined) this.pausedUntil = Math.max(this.pausedUntil, until);
    else {
      const c = this.chat(String(chatId));
      c.pausedUntil = Math.max(c.pausedUntil, until);
    }
  }

  /** Forgets idle chats now and then so a long broadcast history does not grow memory. */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    for (const [k, c] of this.chats) {
      c.window.waitMs(now);
      if (c.window.empty && c.pausedUntil < now) this.chats.delete(k);
    }
  }
}
