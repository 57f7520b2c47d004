import type { Candle } from '../../core/exchange/types.ts';
import type { Frame } from '../../core/frame.ts';

/**
 * What the minute cycle needs from the engine and the models: a warm-up on history, then one
 * closed bar at a time turned into the row the outputs read (features → predictions → signals).
 */
export interface BarScorer {
  /**
   * Warms the streams up on history (klines layout, oldest first); returns the output columns
   * for the history rows when it computes them (charts and /score can show them at once).
   */
  init(history: Frame): Frame | void;
  /** One closed bar, newer than every bar seen so far → its scored row. */
  push(candle: Candle): ScoredBar;
  /** Names of the columns `push` reports (predictions, then signals). */
  readonly outputColumns: string[];
}

export interface ScoredBar {
  time: number;
  /** Predictions and signal columns by name (NaN when not computable). */
  values: Record<string, number>;
  /** False while some model input is still NaN (not enough history yet). */
  complete: boolean;
  /** Milliseconds spent in features, predict and signals for this bar. */
  computeMs: number;
}

/** One bar as the outputs see it. */
export interface OutputBar {
  candle: Candle;
  scored: ScoredBar;
  /** False for catch-up bars after downtime and bars right after a data gap: no alerts, no trades. */
  fresh: boolean;
}

/** One entry of output_sets, run in order for each processed bar, fresh or not: alerts and new trades only on fresh ones. */
export interface BarOutput {
  readonly name: string;
  run(bar: OutputBar, state: OutputStateSlot): Promise<void>;
}

/** Persistent runtime state of one output (e.g. the previous score band), saved with the service state. */
export interface OutputStateSlot {
  get<T>(): T | undefined;
  set<T>(value: T): void;
}

/** Where the service's own messages go: admins (failures, retraining) — never the channel. */
export interface AdminNotifier {
  notifyAdmins(text: string): Promise<void>;
}

/** Where channel posts go (the bot's publisher with its outbox, or the terminal in `npm start`). */
export interface ChannelPublisher {
  /** A text in Telegram's legacy Markdown. `key` identifies the post so a repeat is not sent twice. */
  publish(text: string, options?: { key?: string }): Promise<void>;
  publishPhoto(png: Uint8Array, caption: string, options?: { key?: string }): Promise<void>;
  /**
   * Present when the publisher applies the score band rules itself (the bot's, which also keeps
   * the previous band and serves each subscriber's band setting): `notifier` is the output's key
   * (`output_sets[i]`) and the bar carries that output's own score columns. Otherwise the score
   * output decides with core/notify and posts the text.
   */
  publishScore?(notifier: string, bar: { time: number; close: number; score: number; score2?: number }): Promise<void>;
}
