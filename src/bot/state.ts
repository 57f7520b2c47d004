import path from 'node:path';
import type { Low } from 'lowdb';
import type { Config } from '../config/schema.ts';
import { symbolFolder } from '../config/load.ts';
import { openJsonStore, type StateFileReport } from '../storage/jsonStore.ts';

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

/** The folder of the bot's state files: `service.state_folder`, else `<data_folder>/<symbol>/state`. */
export function botStateFolder(config: Config): string {
  return config.service.state_folder ? path.resolve(config.service.state_folder) : path.join(symbolFolder(config), 'state');
}

export function openBotState(folder: string, report?: StateFileReport): Promise<BotStateStore> {
  return openJsonStore<BotStateData>(path.join(folder, 'bot-state.json'), emptyBotState(), report);
}
