import fs from 'node:fs';
import path from 'node:path';
import { GrammyError, HttpError, InputFile, type Api } from 'grammy';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../shared/log.ts';
import { parseFreq } from '../core/time.ts';
import { scoreNotificationConfigs, type ScoreNotificationConfig } from '../core/notify/scoreBand.ts';
import { paceScore, pacingStateOf, type PacedScore } from '../core/notify/bandPacing.ts';
import { formatSignalMessage, type SignalEvent } from '../core/notify/signalMessage.ts';
import { splitMessage } from '../core/notify/split.ts';
import type { Deliver, DeliveryOutcome, NewOutboxItem, Outbox, OutboxItem } from './outbox.ts';
import type { BotStateStore, Subscriber } from './state.ts';
import { followedBand } from './subscriptions.ts';

/** A scored bar as the service hands it over. */
export interface ScoredBar {
  /** Bar open time, epoch ms UTC. */
  time: number;
  close: number;
  score: number;
  score2?: number;
}

type Topic = 'score' | 'signal' | 'diagram' | 'trade' | 'text';

/** A symbol whose posts the publisher sends: a bot of several symbols has one each. */
export interface PublishedSymbol {
  config: Config;
  /** Put before each of its posts and captions (`#ETHUSDT `); '' for the bot of one symbol. */
  tag: string;
  /** Its channel ('' = none). */
  channel: string | number;
}

interface SymbolEntry extends PublishedSymbol {
  scoreConfigs: ScoreNotificationConfig[];
  freqMs: number;
}

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
  private readonly symbols = new Map<string, SymbolEntry>();
  /** The batch score posts are held in (a bar of several symbols), null when none is open. */
  private batch: { id: string; closeTime: number } | null = null;
  private batches = 0;

  constructor(
    private readonly config: Config,
    private readonly state: BotStateStore,
    readonly outbox: Outbox,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.addSymbol({ config, tag: '', channel: config.telegram.channel });
  }

  /** Posts of another symbol (a bot of several), or new settings of one; the bot's own config's symbol is there from the start. */
  addSymbol(s: PublishedSymbol): void {
    this.symbols.set(s.config.symbol, { ...s, scoreConfigs: scoreNotificationConfigs(s.config), freqMs: parseFreq(s.config.freq).ms });
  }

  private symbol(symbol: string | undefined): SymbolEntry {
    const entry = this.symbols.get(symbol ?? this.config.symbol);
    if (!entry) throw new Error(`no symbol ${symbol} in the publisher (known: ${[...this.symbols.keys()].join(', ')})`);
    return entry;
  }

  /** Channel id as configured ('' when there is none). */
  get channel(): string | number {
    return this.config.telegram.channel;
  }

  private isChannel(chatId: string | number): boolean {
    return [...this.symbols.values()].some((s) => s.channel !== '' && String(s.channel) === String(chatId));
  }

  private subscribers(): Subscriber[] {
    return Object.values(this.state.data.subscribers);
  }

  /**
   * A post of `symbol` to its channel and to the subscribers who follow it and whom `pick` lets
   * through. `quiet`: sent without a notification sound to every chat (else only in a
   * subscriber's quiet hours).
   */
  private items(topic: Topic, text: string, parseMode: 'Markdown' | undefined, pick: (s: Subscriber) => boolean, quiet = false, symbol?: string): NewOutboxItem[] {
    const entry = this.symbol(symbol);
    const parts = splitMessage(entry.tag + text);
    const out: NewOutboxItem[] = [];
    const hour = new Date(this.now()).getUTCHours();
    const add = (chatId: string | number, silent: boolean) => {
      for (const part of parts) out.push({ chatId, kind: 'text', text: part, parseMode, topic, ...(silent ? { silent } : {}) });
    };
    if (entry.channel !== '') add(entry.channel, quiet);
    for (const s of this.subscribers()) {
      if (followedBand(s, entry.config.symbol) !== undefined && pick(s)) add(s.chatId, quiet || inQuietHours(s.quietHours, hour));
    }
    return out;
  }

  /**
   * Holds the score posts that follow back until `closeBatch` (a bot of several symbols, around
   * one tick of all of them): a chat that would get more than `telegram.digest_above` of them
   * gets one digest post instead. The symbols' score bands are written once, at the close (a crash
   * before it may repeat one band post of a symbol after the restart). Returns null (nothing held)
   * for the bot of one symbol.
   */
  openBatch(): string | null {
    if (this.symbols.size < 2 || this.config.telegram.digest_above <= 0) return null;
    this.batch = { id: `tick-${++this.batches}`, closeTime: 0 };
    return this.batch.id;
  }

  /** Sends what the batch held (as digests where they are due) and writes the score bands of its symbols. */
  async closeBatch(id: string | null): Promise<void> {
    if (id === null) return;
    const closeTime = this.batch?.id === id ? this.batch.closeTime : 0;
    if (this.batch?.id === id) this.batch = null;
    this.outbox.releaseHeld(id, (chatId, items) => this.digest(chatId, items, closeTime));
    await this.state.write();
  }

  /** One post listing a chat's score posts of a bar, when there are more than `digest_above`. */
  private digest(chatId: string | number, items: OutboxItem[], closeTime: number): NewOutboxItem[] | null {
    if (items.length <= this.config.telegram.digest_above || items.some((i) => i.kind !== 'text')) return null;
    const when = closeTime ? ` · ${new Date(closeTime).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
    const text = [`📊 ${items.length} symbols${when}`, ...items.map((i) => i.text!)].join('\n');
    const silent = items.every((i) => i.silent);
    return splitMessage(text).map((part) => ({ chatId, kind: 'text' as const, text: part, parseMode: 'Markdown' as const, topic: 'digest', ...(silent ? { silent } : {}) }));
  }

  /**
   * Runs one score notifier of the config (by its key, e.g. `output_sets[0]`) on a new bar with
   * its own score: decides by the original's rules (or the notifier's pacing keys, see
   * bandPacing.ts), keeps its state, and posts to the channel and to subscribers whose band
   * setting the post reaches (a band it speaks of, or the band it just left).
   */
  async publishScore(notifier: string, bar: ScoredBar, symbol?: string): Promise<PacedScore & { send: boolean }> {
    const entry = this.symbol(symbol);
    const cfg = entry.scoreConfigs.find((c) => c.key === notifier);
    if (!cfg) throw new Error(`no score notifier ${notifier} in the config (known: ${entry.scoreConfigs.map((c) => c.key).join(', ') || 'none'})`);
    // The bot's own symbol keeps the notifier's key (the state of a bot of one symbol); others are prefixed with theirs.
    const key = entry.config.symbol === this.config.symbol ? cfg.key : `${entry.config.symbol}/${cfg.key}`;
    const data = this.state.data;
    const saved = pacingStateOf(data.scorePacing?.[key] ?? null);
    const band = data.scoreBands[key] ?? null;
    const closeTime = bar.time + entry.freqMs;
    const n = paceScore(
      { symbol: entry.config.symbol, freq: entry.config.freq, closeTime, close: bar.close, score: bar.score, score2: bar.score2 },
      cfg,
      saved ? { ...saved, band } : band === null ? null : pacingStateOf(band),
    );
    const post = n.post;
    if (post) {
      const reaches = (s: Subscriber) => s.scores && post.reach >= followedBand(s, entry.config.symbol)!;
      if (this.batch) this.batch.closeTime = Math.max(this.batch.closeTime, closeTime);
      // Keyed by notifier and bar: the same bar redone after a crash is not posted twice.
      this.outbox.enqueue(this.items('score', post.text, 'Markdown', reaches, post.silent, entry.config.symbol), { once: `score:${key}:${bar.time}`, hold: this.batch?.id });
    }
    data.scoreBands[key] = n.bandNo;
    if (cfg.pacing) (data.scorePacing ??= {})[key] = n.state;
    // In a batch (a tick of many symbols) the bands are written once, when it closes.
    if (!this.batch) await this.state.write();
    return { ...n, send: post !== null };
  }

  publishSignal(ev: SignalEvent): OutboxItem[] {
    return this.outbox.enqueue(this.items('signal', formatSignalMessage(ev), 'Markdown', (s) => s.signals, false, this.symbols.has(ev.symbol) ? ev.symbol : undefined));
  }

  /** The daily diagram (§7.4) as a photo; `key` makes a repeat of the same post a no-op. */
  publishDiagram(png: Uint8Array, caption = '', options: { key?: string; symbol?: string } = {}): OutboxItem[] {
    if (options.key !== undefined && this.outbox.has(options.key)) return [];
    const entry = this.symbol(options.symbol);
    fs.mkdirSync(this.outbox.filesDir, { recursive: true });
    const file = path.join(this.outbox.filesDir, `diagram-${this.now()}-${Math.random().toString(36).slice(2, 8)}.png`);
    fs.writeFileSync(file, png);
    const items: NewOutboxItem[] = [];
    const hour = new Date(this.now()).getUTCHours();
    const text = caption && entry.tag + caption;
    if (entry.channel !== '') items.push({ chatId: entry.channel, kind: 'photo', photoFile: file, caption: text, topic: 'diagram' });
    for (const s of this.subscribers()) {
      if (s.diagram && followedBand(s, entry.config.symbol) !== undefined) items.push({ chatId: s.chatId, kind: 'photo', photoFile: file, caption: text, topic: 'diagram', silent: inQuietHours(s.quietHours, hour) });
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
  publishText(text: string, options: { markdown?: boolean; key?: string; symbol?: string } = {}): OutboxItem[] {
    return this.outbox.enqueue(this.items('text', text, options.markdown ? 'Markdown' : undefined, () => true, false, options.symbol), { once: options.key });
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
        if (this.isChannel(item.chatId)) {
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
