import type { Config } from '../../config/schema.ts';
import type { Candle } from '../../core/exchange/types.ts';
import { UserError } from '../../core/errors.ts';
import type { Frame } from '../../core/frame.ts';
import type { CalibrationSource } from '../../core/signals/calibration.ts';
import { createFeatureStream, createSignalStream, type GeneratorStream } from '../../core/generators/index.ts';
import type { ModelSet } from '../../models/modelSet.ts';
import type { BarScorer, ScoredBar } from './ports.ts';

/** The candle fields the generators may read, by the klines.csv column names. */
function rawRow(c: Candle): Record<string, number> {
  return {
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    close_time: c.closeTime ?? NaN,
    quote_av: c.quoteVolume ?? NaN,
    trades: c.trades ?? NaN,
    tb_base_av: c.takerBuyBase ?? NaN,
    tb_quote_av: c.takerBuyQuote ?? NaN,
  };
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'];

/**
 * Features → predictions → signals for one new bar at a time, on the engine's streams: the
 * feature and signal kernels are computed once over the history and then kept alive, so each
 * bar costs O(1)/O(window) per column and gives the numbers a batch run over the same rows gives.
 */
export class StreamingScorer implements BarScorer {
  private features: GeneratorStream | null = null;
  private signals: GeneratorStream | null = null;
  private models: ModelSet;
  private signalColumns: string[] = [];
  /** The current models' calibrations: after swapModels() the signals read the new ones. */
  private readonly calibration: CalibrationSource = (column) => this.models.calibration(column);

  constructor(
    private readonly config: Config,
    models: ModelSet,
    /** Folder of the config file (custom generator modules). */
    private readonly configDir?: string,
  ) {
    this.models = models;
    // Known before init() so that the recent-bars buffer keeps them (compiling is cheap).
    this.signalColumns = createSignalStream(config, config.signal_sets, { configDir, calibration: this.calibration }).columns;
  }

  get outputColumns(): string[] {
    return [...this.models.scoreColumns, ...this.signalColumns];
  }

  init(history: Frame): Frame {
    this.features = createFeatureStream(this.config, this.config.feature_sets, { configDir: this.configDir });
    const withFeatures = this.features.init(history);
    const missing = this.models.features.filter((f) => !withFeatures.has(f));
    if (missing.length) {
      throw new UserError(
        `the models need ${missing.map((f) => `"${f}"`).join(', ')}, which no feature_sets entry of the config produces (the features they were trained on must be generated online too)`,
      );
    }
    const scored = withFeatures.select(PRICE_COLUMNS.filter((c) => withFeatures.has(c)));
    scored.assign(this.models.predictFrame(withFeatures));
    this.signals = createSignalStream(this.config, this.config.signal_sets, { configDir: this.configDir, calibration: this.calibration });
    const withSignals = this.signals.init(scored);
    this.signalColumns = this.signals.columns;
    return withSignals.select(this.outputColumns);
  }

  push(candle: Candle): ScoredBar {
    if (!this.features || !this.signals) throw new Error('StreamingScorer.push() before init()');
    const t0 = performance.now();
    const raw = rawRow(candle);
    const row = this.features.push(candle.time, raw);
    const predictions = this.models.predictRow(row);
    const signalInput: Record<string, number> = { ...predictions };
    for (const c of PRICE_COLUMNS) signalInput[c] = raw[c]!;
    const signalRow = this.signals.push(candle.time, signalInput);
    const values: Record<string, number> = { ...predictions };
    for (const c of this.signalColumns) values[c] = signalRow[c] ?? NaN;
    let complete = true;
    for (const c of this.models.scoreColumns) if (Number.isNaN(predictions[c]!)) complete = false;
    return { time: candle.time, values, complete, computeMs: performance.now() - t0 };
  }

  /** New models (after retraining); the next bar is scored with them. */
  swapModels(models: ModelSet): void {
    this.models = models;
  }
}
