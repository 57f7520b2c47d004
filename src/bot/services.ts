import type { Config } from '../config/schema.ts';
import type { TraderControl, TradingMode } from '../core/trader/controlTypes.ts';
import type { ProgressReporter } from '../shared/progress.ts';

/**
 * What the bot asks of the rest of the process. The service, trader, backtest and model
 * layers implement these; every member is optional, and a command whose member is absent
 * answers that it "is not available in this process yet". The bot formats; services compute.
 */
export interface BotServices {
  /** The config of the symbol these services are of (a process of several symbols: each its own). */
  config?: Config;
  /** The service's clock, epoch ms (simulated in replay); ages of candles are told against it. */
  now?(): number;
  /** The newest scored bar, or null before the first prediction. */
  latestScore?(): Promise<LatestScore | null>;
  status?(): Promise<ServiceStatus>;
  /** A PNG of the last `hours`: price, score with thresholds, buy/sell markers. */
  chart?(hours: number): Promise<ChartImage>;
  /** Brings klines up to date; resolves to a one-paragraph summary. */
  download?(progress: ProgressReporter, signal: AbortSignal): Promise<JobResult>;
  /** Trains every model of the config; the result lists their metrics. */
  train?(progress: ProgressReporter, signal: AbortSignal): Promise<JobResult>;
  backtest?(request: BacktestRequest, progress: ProgressReporter, signal: AbortSignal): Promise<JobResult>;
  trader?: TraderControl;
  /** Re-reads the config file and applies what can change at run time; resolves to what changed. */
  reload?(): Promise<string>;
  /** The last `n` log lines, oldest first. */
  logs?(n: number): Promise<string[]>;
  /**
   * A process of several symbols: each symbol's own members (/score, /chart, /status, /train,
   * /backtest, /trade …), in the process's order. The members above are then the process's:
   * `download` (every symbol), `reload`, `logs`, `now`.
   */
  symbols?: ReadonlyMap<string, BotServices>;
}

export interface LatestScore {
  symbol: string;
  freq: string;
  /** Bar open time, epoch ms UTC. */
  time: number;
  close: number;
  /** The first score column (the original's `score_column_names[0]`). */
  score: number;
  score2?: number;
  /** When the models that produced it were trained, epoch ms (absent if unknown). */
  modelTrainedAt?: number;
}

export interface ServiceStatus {
  /** Open time of the newest complete candle, epoch ms UTC. */
  lastCandleTime?: number;
  /** How far the newest candle's close is behind now, ms. */
  lagMs?: number;
  models: { name: string; trainedAt?: number }[];
  tradingMode?: TradingMode;
  /** The minute cycle's own figures, when a service runs (commands/status.ts shows them). */
  cycle?: CycleStatus;
}

/** What the minute cycle reports about itself. */
export interface CycleStatus {
  /** The configured venue and the candle source's name (e.g. replay, klines.csv.gz). */
  venue: string;
  source: string;
  lastTick: { at: number; bars: number; latencyMs: number; computeMs: number; error?: string } | null;
  ticks: number;
  /** Ticks skipped while one was still running. */
  skippedTicks: number;
  /** The newest bar's scores and signals by column. */
  latest: Record<string, number>;
  retraining: boolean;
  lastRetrain: { at: number; ok: boolean } | null;
  /** What a person should act on, one sentence each. */
  warnings: string[];
}

export interface ChartImage {
  png: Uint8Array;
  caption?: string;
}

/** A finished job: a text for the chat (plain), optional figures and an optional image. */
export interface JobResult {
  summary: string;
  /** e.g. { high_20_lc: { auc: 0.71, ap: 0.42 } } — printed as a table. */
  metrics?: Record<string, Record<string, number>>;
  png?: Uint8Array;
}

export interface BacktestRequest {
  /** As typed: e.g. "30d", "2025-01-01..2025-02-01"; absent = the config's simulate_model range. */
  period?: string;
  /** key=value parameters, e.g. buy_signal_threshold=0.02. */
  params: Record<string, string>;
}

export type { ProfitSummary, TradeRecord, TraderControl, TraderStatus, TradingMode } from '../core/trader/controlTypes.ts';

