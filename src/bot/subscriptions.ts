import type { Context } from 'grammy';
import type { Config } from '../config/schema.ts';
import { scoreNotificationConfigs } from '../core/notify/scoreBand.ts';
import { senderName } from './audit.ts';
import { defaultSubscriber, type BotStateStore, type Subscriber } from './state.ts';

/** The highest band number a subscriber can ask for (the larger band list of the first score notifier). */
export function maxBand(config: Config): number {
  const cfg = scoreNotificationConfigs(config)[0];
  return cfg ? Math.max(cfg.positiveBands.length, cfg.negativeBands.length) : 0;
}

export function findSubscriber(state: BotStateStore, chatId: number): Subscriber | undefined {
  return state.data.subscribers[String(chatId)];
}

/** Subscribes the chat (or updates its band); keeps the other settings of an existing subscriber. */
export async function subscribe(state: BotStateStore, ctx: Context, minBand?: number): Promise<Subscriber> {
  const chatId = ctx.chat!.id;
  const key = String(chatId);
  const existing = state.data.subscribers[key];
  const sub = existing ?? defaultSubscriber(chatId, senderName(ctx));
  if (minBand !== undefined) sub.minBand = minBand;
  state.data.subscribers[key] = sub;
  await state.write();
  return sub;
}

export async function unsubscribe(state: BotStateStore, chatId: number): Promise<boolean> {
  const key = String(chatId);
  if (!state.data.subscribers[key]) return false;
  delete state.data.subscribers[key];
  await state.write();
  return true;
}

export function describeBand(minBand: number): string {
  return minBand === 0 ? 'every score message' : `score messages from band ${minBand} up`;
}

export function describeSubscriber(s: Subscriber): string {
  const on = (b: boolean) => (b ? 'on' : 'off');
  const quiet = s.quietHours ? `${String(s.quietHours[0]).padStart(2, '0')}:00–${String(s.quietHours[1]).padStart(2, '0')}:00 UTC (silent)` : 'none';
  return [
    `Scores: ${on(s.scores)} (${describeBand(s.minBand)})`,
    `BUY/SELL signals: ${on(s.signals)}`,
    `Daily diagram: ${on(s.diagram)}`,
    `Trades: ${on(s.trades)}`,
    `Quiet hours: ${quiet}`,
  ].join('\n');
}
