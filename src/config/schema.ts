import * as z from 'zod';
import { LOG_LEVELS } from '../shared/log.ts';

// A config is parsed once per process: zod's compiled parsers (made with new Function at a
// schema's first parse) cost more to make than they save here.
z.config({ jitless: true });

/**
 * The config schema: the original ITB keys exactly as its JSONC files write them, plus the
 * sections of our own (telegram, exchange, trader, replay, service). Generator `config`
 * objects are validated by the generator that reads them (it knows its keys).
 */

const str = z.string();
const count = z.number().int().nonnegative();

export const generatorDefSchema = z.looseObject({
  generator: str,
  column_prefix: str.nullish(),
  feature_prefix: str.nullish(),
  config: z.record(str, z.unknown()).default({}),
});
export type GeneratorDef = z.infer<typeof generatorDefSchema>;

export const dataSourceSchema = z.looseObject({
  folder: str,
  file: str.nullish(),
  column_prefix: str.nullish(),
  chunk_size: z.number().nullish(),
});
export type DataSource = z.infer<typeof dataSourceSchema>;

export const algorithmDefSchema = z.looseObject({
  name: str,
  algo: z.enum(['lc', 'nn', 'gb', 'svc']),
  params: z
    .looseObject({
      is_scale: z.boolean().nullish(),
      length: count.nullish(),
      every_nth_row: count.nullish(),
      is_regression: z.boolean().nullish(),
      layers: z.array(z.number().int().positive()).nullish(),
    })
    .default({}),
  train: z.record(str, z.unknown()).default({}),
  predict: z.record(str, z.unknown()).nullish(),
});
export type AlgorithmDef = z.infer<typeof algorithmDefSchema>;

export const trainFeatureSetSchema = z.looseObject({
  generator: str.default('train_features'),
  config: z
    .looseObject({
      columns: z.array(str).nullish(),
      features: z.array(str).nullish(),
      labels: z.array(str).nullish(),
      functions: z.array(z.union([str, algorithmDefSchema])).nullish(),
      algorithms: z.array(z.union([str, algorithmDefSchema])).nullish(),
    })
    .default({}),
});

/** Truncation of a table by date string (rows with time ≥ / < it) or by row count. */
const rowBound = z.union([str, z.number().int()]).nullish();

export const simulateModelSchema = z.looseObject({
  data_start: rowBound,
  data_end: rowBound,
  direction: z.enum(['long', 'short', 'both']).default('long'),
  topn_to_store: count.default(10),
  signal_generator: str.nullish(),
  buy_sell_equal: z.boolean().default(false),
  grid: z.record(str, z.unknown()).default({}),
  fees: z.number().min(0).max(0.1).default(0.001),
  slippage: z.number().min(0).max(0.1).default(0),
  sort_by: str.default('%profit/M'),
  /** Walk-forward thresholds: fitted on the `train_months` before each test period of `test_months` (months of 365/12 days). */
  walk_forward: z
    .object({ train_months: z.number().positive(), test_months: z.number().positive() })
    .nullish(),
});

export const rollingPredictSchema = z.looseObject({
  data_start: rowBound,
  data_end: rowBound,
  prediction_start: rowBound,
  prediction_size: count.nullish(),
  prediction_steps: count.nullish(),
  use_multiprocessing: z.boolean().nullish(),
  max_workers: count.nullish(),
});

export const telegramSchema = z.looseObject({
  token: str.default(''),
  api_root: str.default(''),
  admins: z.array(z.number().int().positive()).default([]),
  channel: z.union([str, z.number().int()]).default(''),
  /** Commands and button presses a non-admin may send per minute (0 = unlimited). */
  rate_limit_per_minute: count.default(20),
  /** How long a Yes/No confirmation of a destructive action stays valid. */
  confirm_seconds: z.number().int().positive().default(60),
  /** Several symbols: a symbol's posts go to its channel here (e.g. {"ETHUSDT": "@eth_signals"}), else to `channel`. */
  channels: z.record(str, z.union([str, z.number().int()])).default({}),
  /** Where the bot keeps its state (subscribers, outbox, audit); default: the first symbol's state folder. */
  state_folder: str.default(''),
  /** Several symbols: when more than this many score posts of one bar reach a chat, they come as one digest post (0 = never). */
  digest_above: count.default(3),
});

export const exchangeSchema = z.looseObject({
  id: str.default('binance'),
  api_key: str.default(''),
  api_secret: str.default(''),
  api_root: str.default(''),
  /** ccxt market type: spot (default) or future. */
  market_type: z.enum(['spot', 'future']).default('spot'),
  timeout_ms: z.number().int().positive().default(10_000),
  retries: count.default(5),
  /** First wait before a retry (ms); it doubles on each further attempt. */
  retry_base_ms: z.number().int().positive().default(1000),
  /** Where `itb download` starts when there is no klines file yet (a date, UTC). */
  download_start: str.default('2017-01-01'),
  /** During a long download, save what has arrived at least this often (seconds; 0 = after every page). */
  download_save_every_s: z.number().nonnegative().default(30),
  /** The request weight the candle fetches of a process may use per minute (Binance's budget: 1200 per IP). */
  weight_per_minute: z.number().int().positive().default(1200),
  /** Candle requests in flight at once (several symbols are fetched concurrently up to this). */
  concurrent_requests: z.number().int().positive().default(10),
});

export const traderSchema = z.looseObject({
  /** off: no trading; paper: simulated wallet; live: real orders (needs keys and an admin's /trade live). */
  mode: z.enum(['off', 'paper', 'live']).default('paper'),
  initial_balances: z.record(str, z.number().nonnegative()).default({ USDT: 1000 }),
  fees: z.number().min(0).max(0.1).default(0.001),
  percentage_used_for_trade: z.number().gt(0).max(100).default(99),
  limit_price_adjustment: z.number().min(0).max(0.5).default(0.001),
  order_type: z.enum(['market', 'limit']).default('limit'),
  max_position_quote: z.number().nonnegative().default(0),
  /** Per symbol: the realised loss of a UTC day that stops this symbol's buys until the next day (0 = none). */
  daily_loss_limit_quote: z.number().nonnegative().default(0),
  /** Trades open at once across the symbols of one account; 0 = one per symbol. The free quote is split into this many shares. */
  max_open_trades: z.number().int().nonnegative().default(0),
  /** The realised loss of a UTC day, all symbols of the account together, that stops every buy until the next day (0 = none). */
  total_daily_loss_limit_quote: z.number().nonnegative().default(0),
  max_data_age_bars: z.number().int().positive().default(2),
});

export const replaySchema = z.looseObject({
  file: str.default(''),
  /** 0 = as fast as possible; N = N× real time. */
  speed: z.number().nonnegative().default(0),
  start: z.union([str, z.number()]).nullish(),
  end: z.union([str, z.number()]).nullish(),
});

export const serviceSchema = z.looseObject({
  /** Retrain on this cron (UTC), e.g. "5 0 * * *"; empty = never. */
  retrain_cron: str.default(''),
  retrain_length: count.default(0),
  /** Models older than this many hours are flagged in /status. */
  model_expiry_hours: z.number().positive().default(48),
  state_folder: str.default(''),
});

export const configSchema = z.looseObject({
  // --- the original's keys ---
  venue: str.default(''),
  api_key: str.default(''),
  api_secret: str.default(''),
  mt5_account_id: z.union([str, z.number()]).default(''),
  mt5_password: str.default(''),
  mt5_server: str.default(''),
  telegram_bot_token: str.default(''),
  telegram_chat_id: z.union([str, z.number()]).default(''),
  merge_file_name: str.default('data.csv'),
  feature_file_name: str.default('features.csv'),
  matrix_file_name: str.default('matrix.csv'),
  predict_file_name: str.default('predictions.csv'),
  signal_file_name: str.default('signals.csv'),
  signal_models_file_name: str.default('signal_models'),
  model_folder: str.default('MODELS'),
  time_column: str.default('timestamp'),
  data_folder: str.default('C:/DATA_ITB'),
  symbol: str.default('BTCUSDT'),
  /** Ours: the config's definitions applied to each of these symbols (one pipeline each, in data_folder/<symbol>/). */
  symbols: z.array(str).nullish(),
  description: str.default(''),
  freq: str.default('1min'),
  data_sources: z.array(dataSourceSchema).default([]),
  feature_sets: z.array(generatorDefSchema).default([]),
  label_sets: z.array(generatorDefSchema).default([]),
  label_horizon: count.default(0),
  train_length: count.default(0),
  train_features: z.array(str).default([]),
  labels: z.array(str).default([]),
  algorithms: z.array(algorithmDefSchema).default([]),
  features_horizon: count.default(10),
  signal_sets: z.array(generatorDefSchema).default([]),
  score_notification_model: z.record(str, z.unknown()).default({}),
  diagram_notification_model: z.record(str, z.unknown()).default({}),
  trade_model: z.record(str, z.unknown()).default({}),
  simulate_model: simulateModelSchema.default(simulateModelSchema.parse({})),
  base_asset: str.default(''),
  quote_asset: str.default(''),
  collector: z.record(str, z.unknown()).default({}),
  train: z.boolean().default(false),
  predict_length: count.default(0),
  append_overlap_records: count.default(5),
  client_args: z.record(str, z.unknown()).default({}),
  download_max_rows: count.nullish(),
  merge_interpolate: z.boolean().default(false),
  model_registry: z.array(z.looseObject({ name: str, file: str })).default([]),
  train_feature_sets: z.array(trainFeatureSetSchema).default([]),
  output_sets: z.array(generatorDefSchema).default([]),
  rolling_predict: rollingPredictSchema.default(rollingPredictSchema.parse({})),
  // --- our own sections ---
  telegram: telegramSchema.default(telegramSchema.parse({})),
  exchange: exchangeSchema.default(exchangeSchema.parse({})),
  trader: traderSchema.default(traderSchema.parse({})),
  replay: replaySchema.default(replaySchema.parse({})),
  service: serviceSchema.default(serviceSchema.parse({})),
  log_level: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(LOG_LEVELS)).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Keys of the top level and of our sections, for "unknown key" warnings. */
export const knownKeys: Record<string, string[]> = {
  '': Object.keys(configSchema.shape),
  telegram: Object.keys(telegramSchema.shape),
  exchange: Object.keys(exchangeSchema.shape),
  trader: Object.keys(traderSchema.shape),
  replay: Object.keys(replaySchema.shape),
  service: Object.keys(serviceSchema.shape),
  simulate_model: Object.keys(simulateModelSchema.shape),
  rolling_predict: Object.keys(rollingPredictSchema.shape),
};
