import path from 'node:path';
import type { Low } from 'lowdb';
import { openJsonStore, type StateFileReport } from '../storage/jsonStore.ts';
import type { PacingState } from '../core/notify/bandPacing.ts';

/** A chat that receives broadcasts, with what it wants to receive. */
export interface Subscriber {
  chatId: number;
  name: string;
  /** ISO time of subscribing. */
  since: string;
  /** Score messages from this absolute band number up (0 = every score message, also neutral ones). */
  minBand: number;
  scores: boolean;
  signals: boolean;
  diagram: boolean;
  trades: boolean;
  /** UTC hours [from, to) during which messages arrive silently; null = never. */
  quietHours: [number, number] | null;
  /**
   * A bot of several symbols: the symbols this chat follows, each with its own `minBand`
   * (`"*"`: every symbol). Absent: every symbol at `minBand` (a subscriber of one symbol's bot;
   * such a subscriber is moved to that symbol when the bot serves several, see bot/subscriptions.ts).
   */
  symbols?: Record<string, number>;
}

export type AuditOutcome = 'done' | 'refused' | 'failed' | 'asked' | 'confirmed' | 'cancelled' | 'expired';

/** Who did what, when: every admin action and every refused attempt. */
export interface AuditEntry {
  time: string;
  userId: number;
  name: string;
  command: string;
  outcome: AuditOutcome;
  detail?: string;
}

export interface BotStateData {
  subscribers: Record<string, Subscriber>;
  audit: AuditEntry[];
  /** Previous band number per score notifier (its config key), kept across restarts. */
  scoreBands: Record<string, number | null>;
  /** What a paced score notifier remembers besides its band (last post, posts today, held changes); absent in older files. */
  scorePacing?: Record<string, PacingState>;
  /** How many subscribers were removed because they blocked the bot. */
  blockedRemoved: number;
}

export type BotStateStore = Low<BotStateData>;

export const AUDIT_KEEP = 5000;

export function defaultSubscriber(chatId: number, name: string, now: Date = new Date()): Subscriber {
  return { chatId, name, since: now.toISOString(), minBand: 0, scores: true, signals: true, diagram: true, trades: true, quietHours: null };
}

export function emptyBotState(): BotStateData {
  return { subscribers: {}, audit: [], scoreBands: {}, blockedRemoved: 0 };
}

export function openBotState(folder: string, report?: StateFileReport): Promise<BotStateStore> {
  return openJsonStore<BotStateData>(path.join(folder, 'bot-state.json'), emptyBotState(), report);
}
