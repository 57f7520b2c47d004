import fs from 'node:fs';
import path from 'node:path';
import { GrammyError, HttpError, InputFile, type Api } from 'grammy';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { parseFreq } from '../core/time.ts';
import { scoreNotificationConfigs, type ScoreNotificationConfig } from '../core/notify/scoreBand.ts';
import { scoreNotification, type ScoreNotification } from '../core/notify/scoreMessage.ts';
import { formatSignalMessage, type SignalEvent } from '../core/notify/signalMessage.ts';
import { formatTransactionMessage, formatTransactionStats, type ProfitStats, type TransactionEvent } from '../core/notify/tradeMessages.ts';
import { splitMessage } from '../core/notify/split.ts';
import type { Deliver, DeliveryOutcome, NewOutboxItem, Outbox, OutboxItem } from './outbox.ts';
import type { BotStateStore, Subscriber } from './state.ts';

/** A scored bar as the service hands it over. */
export interface ScoredBar {
  /** Bar open time, epoch ms UTC. */
  time: number;
  close: number;
  score: number;
  score2?: number;
}

type Topic = 'score' | 'signal' | 'diagram' | 'trade' | 'text';

/** True when `hour` (UTC) is inside [from, to), which may wrap past midnight. */
export function inQuietHours(quiet: [number, number] | null, hour: number): boolean {
  if (!quiet) return false;
  const [from, to] = quiet;
  if (from === to) return false;
  return from < to ? hour >= from && hour < to : hour >= from || hour < to;
}

/**
 * Posts the service's messages to the channel and to every subscriber by their settings,
 * through the outbox (persisted before sending, throttled, retried: at least once, see Outbox).
 * Score bands follow the original's send rules; their previous band survives restarts.
 */
export class Publisher {
  private readonly scoreConfigs: ScoreNotificationConfig[];
  private readonly freqMs: number;

  constructor(
    private readonly config: Config,
    private readonly state: BotStateStore,
    readonly outbox: Outbox,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.scoreConfigs = scoreNotificationConfigs(config);
    this.freqMs = parseFreq(config.freq).ms;
  }

  /** Channel id as configured ('' when there is none). */
  get channel(): string | number {
    return this.config.telegram.channel;
  }

  private subscribers(): Subscriber[] {
    return Object.values(this.state.data.subscribers);
  }

  private items(topic: Topic, text: string, parseMode: 'Markdown' | undefined, pick: (s: Subscriber) => boolean): NewOutboxItem[] {
    const parts = splitMessage(text);
    const out: NewOutboxItem[] = [];
    const hour = new Date(this.now()).getUTCHours();
    const add = (chatId: string | number, silent: boolean) => {
      for (const part of parts) out.push({ chatId, kind: 'text', text: part, parseMode, topic, ...(silent ? { silent } : {}) });
    };
    if (this.channel !== '') add(this.channel, false);
    for (const s of this.subscribers()) if (pick(s)) add(s.chatId, inQuietHours(s.quietHours, hour));
    return out;
  }

  /**
   * Runs one score notifier of the config (by its key, e.g. `output_sets[0]`) on a new bar with
   * its own score: decides by the original's rules, keeps its previous band, and posts the
   * message to the channel and to subscribers whose band setting it meets (or whose band it just left).
   */
  async publishScore(notifier: string, bar: ScoredBar): Promise<ScoreNotification> {
    const cfg = this.scoreConfigs.find((c) => c.key === notifier);
    if (!cfg) throw new Error(`no score notifier ${notifier} in the config (known: ${this.scoreConfigs.map((c) => c.key).join(', ') || 'none'})`);
    const prev = this.state.data.scoreBands[cfg.key] ?? null;
    const n = scoreNotification(
      { symbol: this.config.symbol, freq: this.config.freq, closeTime: bar.time + this.freqMs, close: bar.close, score: bar.score, score2: bar.score2 },
      cfg,
      prev,
    );
    if (n.send) {
      const reach = Math.max(Math.abs(n.bandNo), Math.abs(prev ?? 0));
      // Keyed by notifier and bar: the same bar redone after a crash is not posted twice.
      this.outbox.enqueue(this.items('score', n.text, 'Markdown', (s) => s.scores && reach >= s.minBand), { once: `score:${cfg.key}:${bar.time}` });
    }
    this.state.data.scoreBands[cfg.key] = n.bandNo;
    await this.state.write();
    return n;
  }

  publishSignal(ev: SignalEvent): OutboxItem[] {
    return this.outbox.enqueue(this.items('signal', formatSignalMessage(ev), 'Markdown', (s) => s.signals));
  }

  /** The original's two messages after a simulated transaction: the result, then the 4-week stats. */
  publishTrade(t: TransactionEvent, stats: ProfitStats): OutboxItem[] {
    const first = this.items('trade', formatTransactionMessage(t), 'Markdown', (s) => s.trades);
    const second = this.items('trade', formatTransactionStats(t.status, stats), 'Markdown', (s) => s.trades);
    // The outbox keeps each chat's order, so every chat gets the result before the stats.
    return this.outbox.enqueue([...first, ...second]);
  }

  /** The daily diagram (§7.4) as a photo; `key` makes a repeat of the same post a no-op. */
  publishDiagram(png: Uint8Array, caption = '', options: { key?: string } = {}): OutboxItem[] {
    if (options.key !== undefined && this.outbox.has(options.key)) return [];
    fs.mkdirSync(this.outbox.filesDir, { recursive: true });
    const file = path.join(this.outbox.filesDir, `diagram-${this.now()}-${Math.random().toString(36).slice(2, 8)}.png`);
    fs.writeFileSync(file, png);
    const items: NewOutboxItem[] = [];
    const hour = new Date(this.now()).getUTCHours();
    if (this.channel !== '') items.push({ chatId: this.channel, kind: 'photo', photoFile: file, caption, topic: 'diagram' });
    for (const s of this.subscribers()) {
      if (s.diagram) items.push({ chatId: s.chatId, kind: 'photo', photoFile: file, caption, topic: 'diagram', silent: inQuietHours(s.quietHours, hour) });
    }
    if (!items.length) {
      fs.rmSync(file, { force: true });
      return [];
    }
    return this.outbox.enqueue(items, { once: options.key });
  }

  /**
   * Any other announcement (plain text unless `markdown`), to the channel and every subscriber;
   * `key` makes a repeat of the same post (e.g. a bar's trade message after a crash) a no-op.
   */
  publishText(text: string, options: { markdown?: boolean; key?: string } = {}): OutboxItem[] {
    return this.outbox.enqueue(this.items('text', text, options.markdown ? 'Markdown' : undefined, () => true), { once: options.key });
  }

  /** Removes a subscriber who blocked the bot, with every message still queued for them. */
  private async dropBlocked(chatId: string | number): Promise<void> {
    const key = String(chatId);
    if (this.state.data.subscribers[key]) {
      delete this.state.data.subscribers[key];
      this.state.data.blockedRemoved++;
      await this.state.write();
      this.log.info({ chatId }, 'unsubscribed a chat that blocked the bot');
    }
    this.outbox.dropChat(chatId, 'blocked the bot');
  }

  /** The outbox's delivery through the Bot API (auto-retry and throttling sit in the API client). */
  deliverWith(api: Api): Deliver {
    return async (item): Promise<DeliveryOutcome> => {
      try {
        if (item.kind === 'photo') {
          const bytes = fs.readFileSync(item.photoFile!);
          await api.sendPhoto(item.chatId, new InputFile(bytes, 'diagram.png'), {
            ...(item.caption ? { caption: item.caption } : {}),
            ...(item.silent ? { disable_notification: true } : {}),
          });
        } else {
          const silent = item.silent ? { disable_notification: true } : {};
          try {
            await api.sendMessage(item.chatId, item.text!, { ...(item.parseMode ? { parse_mode: item.parseMode } : {}), ...silent });
          } catch (e) {
            // Markdown Telegram cannot parse (e.g. a stray "_" in a text from elsewhere): the
            // message still matters more than its bold, so it goes out as plain text.
            if (!(item.parseMode && e instanceof GrammyError && e.error_code === 400 && /can't parse entities/i.test(e.description))) throw e;
            this.log.warn({ chat: item.chatId, topic: item.topic }, `sent as plain text: ${e.description}`);
            await api.sendMessage(item.chatId, item.text!, silent);
          }
        }
        return { status: 'sent' };
      } catch (e) {
        return this.classify(item, e);
      }
    };
  }

  private async classify(item: OutboxItem, e: unknown): Promise<DeliveryOutcome> {
    if (e instanceof GrammyError) {
      if (e.error_code === 403) {
        if (String(item.chatId) === String(this.channel)) {
          this.log.error({ chat: item.chatId }, `the bot may not post to the channel: ${e.description}`);
        } else {
          await this.dropBlocked(item.chatId);
        }
        return { status: 'drop', reason: e.description };
      }
      if (e.error_code === 429) return { status: 'retry', afterMs: (e.parameters.retry_after ?? 5) * 1000, reason: e.description };
      if (e.error_code >= 500) return { status: 'retry', afterMs: 5000, reason: e.description };
      this.log.error({ chat: item.chatId, topic: item.topic }, `message refused by Telegram: ${e.description}`);
      return { status: 'drop', reason: e.description };
    }
    if (e instanceof HttpError) return { status: 'retry', afterMs: 5000, reason: e.message };
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'drop', reason: 'photo file is gone' };
    return { status: 'retry', afterMs: 5000, reason: String(e) };
  }
}
