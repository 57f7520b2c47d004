import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../storage/atomic.ts';

/** One message waiting to reach one chat. */
export interface OutboxItem {
  id: string;
  chatId: string | number;
  kind: 'text' | 'photo';
  text?: string;
  parseMode?: 'Markdown';
  /** For photos: a PNG kept in the outbox folder until every chat got it. */
  photoFile?: string;
  caption?: string;
  /** Delivered without a notification sound (quiet hours). */
  silent?: boolean;
  /** What it is (score, signal, diagram, trade, text): for logs and tests. */
  topic: string;
  createdAt: number;
  /** Held back with the other posts of its batch until `release` (then maybe merged); a restart sends it as it is. */
  hold?: string;
}

export type NewOutboxItem = Omit<OutboxItem, 'id' | 'createdAt'>;

export type DeliveryOutcome =
  | { status: 'sent' }
  /** Never deliverable (blocked, chat gone, bad request): forget it. */
  | { status: 'drop'; reason: string }
  /** Not delivered this time (network, 5xx, a long retry_after): try again after `afterMs`. */
  | { status: 'retry'; afterMs: number; reason: string };

export type Deliver = (item: OutboxItem) => Promise<DeliveryOutcome>;

type JournalLine =
  | { op: 'add'; item: OutboxItem }
  | { op: 'done'; id: string }
  | { op: 'drop'; id: string; reason: string }
  /** A post with this key was queued: a repeat of it (the same bar after a crash) is not. */
  | { op: 'once'; key: string };

/** How many recent post keys the outbox remembers (days of one-minute bars). */
const KEEP_KEYS = 20_000;

interface Queued {
  item: OutboxItem;
  attempts: number;
  notBefore: number;
}

export interface OutboxStats {
  sent: number;
  dropped: number;
  retried: number;
}

/**
 * A persistent queue of outgoing messages, delivered at least once: each is written to an
 * append-only journal before it is sent and marked right after Telegram's answer, so a crash
 * or restart re-sends what was not yet answered. A message repeats only when Telegram accepted
 * it but its answer was lost: the request timed out after Telegram took it (the API client
 * sends it again), or the process was killed between the answer and the mark. A post enqueued
 * with a key (e.g. the score of one bar) is queued once: a service that crashed after queueing
 * a bar's posts but before saving that it processed the bar redoes the bar, and its repeat is
 * recognised. Messages to one chat go out in order; different chats are served concurrently.
 */
export class Outbox {
  private readonly journal: string;
  readonly filesDir: string;
  private readonly chats = new Map<string, Queued[]>();
  private readonly ready: string[] = [];
  private readonly scheduled = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly fileRefs = new Map<string, number>();
  /** Keys of recent posts, oldest first (a Set keeps insertion order). */
  private readonly keys = new Set<string>();
  /** Posts held back by batch (see `release`). */
  private readonly held = new Map<string, OutboxItem[]>();
  private inFlight = 0;
  private pendingCount = 0;
  private running = false;
  private deliver: Deliver | null = null;
  private concurrency = 16;
  private idleWaiters: (() => void)[] = [];
  private stopWaiters: (() => void)[] = [];
  private seq = 0;
  /** Journal lines written since it was last rewritten. */
  private journalLines = 0;
  private readonly idPrefix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly stats: OutboxStats = { sent: 0, dropped: 0, retried: 0 };
  /** Gives up on a message after this many failed attempts. */
  maxAttempts = 12;

  private constructor(folder: string) {
    fs.mkdirSync(folder, { recursive: true });
    this.journal = path.join(folder, 'outbox.jsonl');
    this.filesDir = path.join(folder, 'outbox-files');
  }

  /** Opens the outbox in `folder`, reloading whatever a previous run left undelivered. */
  static open(folder: string): Outbox {
    const box = new Outbox(folder);
    const pending = box.replay();
    // Compact: the journal restarts with only the undelivered messages and the recent keys.
    // A batch held back when the process stopped is sent as it is: its release will never come.
    const unheld = pending.map(({ hold: _, ...item }) => item);
    writeFileAtomic(box.journal, unheld.map((item) => JSON.stringify({ op: 'add', item }) + '\n').join('') + box.keyLines());
    for (const item of unheld) box.queue(item);
    return box;
  }

  private replay(): OutboxItem[] {
    let text = '';
    try {
      text = fs.readFileSync(this.journal, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const pending = new Map<string, OutboxItem>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let rec: JournalLine;
      try {
        rec = JSON.parse(line) as JournalLine;
      } catch {
        continue; // a line cut short by a crash mid-append: it was never acknowledged
      }
      if (rec.op === 'add') pending.set(rec.item.id, rec.item);
      else if (rec.op === 'once') this.remember(rec.key);
      else pending.delete(rec.id);
    }
    return [...pending.values()];
  }

  private append(lines: JournalLine[]): void {
    if (!lines.length) return;
    fs.appendFileSync(this.journal, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    this.journalLines += lines.length;
  }

  private remember(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > KEEP_KEYS) this.keys.delete(this.keys.values().next().value!);
  }

  private keyLines(): string {
    let text = '';
    for (const key of this.keys) text += JSON.stringify({ op: 'once', key }) + '\n';
    return text;
  }

  /** With nothing pending the journal only needs the recent keys: start it afresh once it has grown. */
  private compactIfIdle(): void {
    if (this.pendingCount === 0 && this.inFlight === 0 && this.journalLines > 20_000 + this.keys.size) {
      writeFileAtomic(this.journal, this.keyLines());
      this.journalLines = this.keys.size;
    }
  }

  /** True when a post with this key was already queued (by this run or one before it). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /**
   * Stores the messages (durably, before anything is sent) and queues them. With `once`, a
   * repeat of a post already queued under that key is ignored (returns no items).
   */
  enqueue(items: NewOutboxItem[], options: { once?: string; hold?: string } = {}): OutboxItem[] {
    const { once, hold } = options;
    if (once !== undefined && this.keys.has(once)) return [];
    const full = this.stamp(items, hold);
    // The key goes last: a write cut short keeps the messages rather than a key without them.
    this.append([...full.map((item) => ({ op: 'add' as const, item })), ...(once !== undefined ? [{ op: 'once' as const, key: once }] : [])]);
    if (once !== undefined) this.remember(once);
    if (hold !== undefined) {
      const batch = this.held.get(hold) ?? [];
      batch.push(...full);
      this.held.set(hold, batch);
      this.pendingCount += full.length;
      return full;
    }
    for (const item of full) this.queue(item);
    this.pump();
    return full;
  }

  private stamp(items: NewOutboxItem[], hold?: string): OutboxItem[] {
    const now = Date.now();
    return items.map((it) => ({ ...it, id: `${this.idPrefix}-${(this.seq++).toString(36)}`, createdAt: now, ...(hold !== undefined ? { hold } : {}) }));
  }

  /**
   * Sends the posts held back under `hold` (enqueue's option), chat by chat: `merge` may replace a chat's posts by
   * others (a digest of them); it returns null to send them as they are. The replacement is stored
   * before the posts it replaces are marked, so a crash in between sends both rather than neither.
   */
  releaseHeld(hold: string, merge?: (chatId: string | number, items: OutboxItem[]) => NewOutboxItem[] | null): void {
    const batch = this.held.get(hold);
    if (!batch) return;
    this.held.delete(hold);
    const byChat = new Map<string, OutboxItem[]>();
    for (const item of batch) {
      const key = String(item.chatId);
      byChat.set(key, [...(byChat.get(key) ?? []), item]);
    }
    for (const items of byChat.values()) {
      this.pendingCount -= items.length;
      const merged = merge?.(items[0]!.chatId, items) ?? null;
      if (!merged) {
        for (const { hold: _, ...item } of items) this.queue(item);
        continue;
      }
      const replacement = this.stamp(merged);
      this.append(replacement.map((item) => ({ op: 'add' as const, item })));
      this.append(items.map((d) => ({ op: 'drop' as const, id: d.id, reason: 'merged into a digest' })));
      for (const item of replacement) this.queue(item);
    }
    this.pump();
  }

  private queue(item: OutboxItem): void {
    const key = String(item.chatId);
    let q = this.chats.get(key);
    if (!q) this.chats.set(key, (q = []));
    q.push({ item, attempts: 0, notBefore: 0 });
    this.pendingCount++;
    if (item.photoFile) this.fileRefs.set(item.photoFile, (this.fileRefs.get(item.photoFile) ?? 0) + 1);
    if (q.length === 1 && !this.busy.has(key)) this.makeReady(key);
  }

  private makeReady(key: string): void {
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    this.ready.push(key);
  }

  /** Messages not yet delivered (queued or in flight). */
  get pending(): number {
    return this.pendingCount;
  }

  start(deliver: Deliver, options: { concurrency?: number } = {}): void {
    this.deliver = deliver;
    this.concurrency = options.concurrency ?? this.concurrency;
    this.running = true;
    // After a stop the retry timers are gone: every waiting chat is looked at again.
    for (const key of this.chats.keys()) if (!this.busy.has(key)) this.makeReady(key);
    this.pump();
  }

  private pump(): void {
    if (!this.running || !this.deliver) return;
    while (this.inFlight < this.concurrency && this.ready.length) {
      const key = this.ready.shift()!;
      this.scheduled.delete(key);
      const q = this.chats.get(key);
      const head = q?.[0];
      if (!head || this.busy.has(key)) continue;
      const wait = head.notBefore - Date.now();
      if (wait > 0) {
        this.scheduled.add(key);
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.scheduled.delete(key);
          this.makeReady(key);
          this.pump();
        }, wait);
        this.timers.add(t);
        continue;
      }
      this.busy.add(key);
      this.inFlight++;
      void this.send(key, head);
    }
    this.checkIdle();
  }

  private async send(key: string, head: Queued): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.deliver!(head.item);
    } catch (e) {
      outcome = { status: 'retry', afterMs: 5000, reason: (e as Error).message };
    }
    const q = this.chats.get(key)!;
    if (outcome.status === 'retry' && head.attempts + 1 >= this.maxAttempts) {
      outcome = { status: 'drop', reason: `gave up after ${this.maxAttempts} attempts: ${outcome.reason}` };
    }
    if (outcome.status === 'retry') {
      head.attempts++;
      head.notBefore = Date.now() + outcome.afterMs;
      this.stats.retried++;
    } else {
      this.append([outcome.status === 'sent' ? { op: 'done', id: head.item.id } : { op: 'drop', id: head.item.id, reason: outcome.reason }]);
      if (outcome.status === 'sent') this.stats.sent++;
      else this.stats.dropped++;
      q.shift();
      this.pendingCount--;
      this.release(head.item);
      if (!q.length) this.chats.delete(key);
    }
    this.busy.delete(key);
    this.inFlight--;
    if (q.length) this.makeReady(key);
    if (!this.running && this.inFlight === 0) {
      for (const w of this.stopWaiters.splice(0)) w();
    }
    this.pump();
  }

  /** Drops every queued message to a chat (it blocked the bot); returns how many. */
  dropChat(chatId: string | number, reason: string): number {
    const key = String(chatId);
    const q = this.chats.get(key);
    if (!q) return 0;
    // The head may be in flight; its own outcome settles it.
    const keep = this.busy.has(key) ? q.splice(0, 1) : [];
    const dropped = q.splice(0);
    q.push(...keep);
    this.append(dropped.map((d) => ({ op: 'drop' as const, id: d.item.id, reason })));
    for (const d of dropped) this.release(d.item);
    this.pendingCount -= dropped.length;
    this.stats.dropped += dropped.length;
    if (!q.length) this.chats.delete(key);
    this.checkIdle();
    return dropped.length;
  }

  private release(item: OutboxItem): void {
    if (!item.photoFile) return;
    const n = (this.fileRefs.get(item.photoFile) ?? 1) - 1;
    if (n > 0) this.fileRefs.set(item.photoFile, n);
    else {
      this.fileRefs.delete(item.photoFile);
      fs.rmSync(item.photoFile, { force: true });
    }
  }

  private checkIdle(): void {
    this.compactIfIdle();
    if (this.pendingCount === 0 && this.inFlight === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when every queued message was delivered or dropped. */
  idle(): Promise<void> {
    if (this.pendingCount === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops sending; resolves when the messages in flight have their outcome recorded. */
  stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.scheduled.clear();
    this.ready.length = 0;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }
}
