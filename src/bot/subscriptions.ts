import type { Context } from 'grammy';
import type { Config } from '../config/schema.ts';
import { scoreNotificationConfigs } from '../core/notify/scoreBand.ts';
import { UserError } from '../shared/errors.ts';
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

/** Every symbol, in a subscriber's `symbols`. */
export const ALL_SYMBOLS = '*';

/** The band from which a subscriber gets `symbol`'s score posts, or undefined when they do not follow it. */
export function followedBand(s: Subscriber, symbol: string | undefined): number | undefined {
  if (!s.symbols || symbol === undefined) return s.minBand;
  return s.symbols[symbol] ?? s.symbols[ALL_SYMBOLS];
}

/**
 * Subscribes the chat (or updates its band); keeps the other settings of an existing subscriber.
 * `symbol` (a bot of several symbols): to that symbol only, or `"*"` to every symbol; without it,
 * the chat follows everything the bot posts, as a subscriber of one symbol's bot does.
 */
export async function subscribe(state: BotStateStore, ctx: Context, minBand?: number, symbol?: string): Promise<Subscriber> {
  const chatId = ctx.chat!.id;
  const key = String(chatId);
  const existing = state.data.subscribers[key];
  const sub = existing ?? defaultSubscriber(chatId, senderName(ctx));
  if (symbol === undefined) {
    if (minBand !== undefined) sub.minBand = minBand;
  } else {
    const band = minBand ?? (existing ? followedBand(existing, symbol) : undefined) ?? sub.minBand;
    // Following every symbol replaces the single ones; a single one adds to what the chat follows.
    sub.symbols = symbol === ALL_SYMBOLS ? { [ALL_SYMBOLS]: band } : { ...(existing ? sub.symbols : {}), [symbol]: band };
  }
  state.data.subscribers[key] = sub;
  await state.write();
  return sub;
}

/**
 * Unsubscribes the chat from everything, or (a bot of several symbols) from one symbol: the chat
 * stays subscribed to the others and is removed when none is left. Returns whether anything changed.
 */
export async function unsubscribe(state: BotStateStore, chatId: number, symbol?: string): Promise<boolean> {
  const key = String(chatId);
  const sub = state.data.subscribers[key];
  if (!sub) return false;
  if (symbol !== undefined && sub.symbols) {
    if (!(symbol in sub.symbols)) {
      if (!(ALL_SYMBOLS in sub.symbols)) return false;
      throw new UserError(`You follow every symbol; /unsubscribe stops all of them, or /subscribe SYMBOL follows single ones instead.`);
    }
    delete sub.symbols[symbol];
    if (Object.keys(sub.symbols).length) {
      await state.write();
      return true;
    }
  }
  delete state.data.subscribers[key];
  await state.write();
  return true;
}

/**
 * A bot that serves several symbols, opened on the state of a bot of one: its subscribers (no
 * `symbols` yet) subscribed to what that bot posted, so they follow `home` (the symbol whose
 * state folder holds the bot state) at their band, and no other symbol until they ask.
 * Returns how many were moved.
 */
export function moveToSymbols(state: BotStateStore, home: string): number {
  let moved = 0;
  for (const s of Object.values(state.data.subscribers)) {
    if (s.symbols) continue;
    s.symbols = { [home]: s.minBand };
    moved++;
  }
  return moved;
}

export function describeBand(minBand: number): string {
  return minBand === 0 ? 'every score message' : `score messages from band ${minBand} up`;
}

/** `ETHUSDT (score messages from band 2 up), BTCUSDT (every score message)`. */
export function describeSymbolBands(symbols: Record<string, number>): string {
  return Object.entries(symbols)
    .map(([symbol, band]) => `${symbol === ALL_SYMBOLS ? 'every symbol' : symbol} (${describeBand(band)})`)
    .join(', ');
}

export function describeSubscriber(s: Subscriber): string {
  const on = (b: boolean) => (b ? 'on' : 'off');
  const quiet = s.quietHours ? `${String(s.quietHours[0]).padStart(2, '0')}:00–${String(s.quietHours[1]).padStart(2, '0')}:00 UTC (silent)` : 'none';
  return [
    s.symbols ? `Scores: ${on(s.scores)} for ${describeSymbolBands(s.symbols)}` : `Scores: ${on(s.scores)} (${describeBand(s.minBand)})`,
    `BUY/SELL signals: ${on(s.signals)}`,
    `Daily diagram: ${on(s.diagram)}`,
    `Trades: ${on(s.trades)}`,
    `Quiet hours: ${quiet}`,
  ].join('\n');
}
