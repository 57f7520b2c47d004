import type { Config } from '../../config/schema.ts';
import { UserError, describeError } from '../../shared/errors.ts';
import type { Candle, CandleSource } from '../../core/exchange/types.ts';
import { candlesToFrame } from '../../core/klines.ts';
import { floorTime, formatTime, parseFreq, type Freq } from '../../core/time.ts';
import type { Logger } from '../../shared/log.ts';
import type { AdminNotifier, BarOutput, BarScorer, OutputStateSlot, ScoredBar } from './ports.ts';
import { formatValue } from './health.ts';
import { RecentBars } from './recentBars.ts';
import type { ScoreRecord, ServiceState } from './state.ts';

/** Binance's largest klines page. */
const PAGE = 1000;

export interface SignalerDeps {
  config: Config;
  source: CandleSource;
  scorer: BarScorer;
  outputs: BarOutput[];
  state: ServiceState;
  admins: AdminNotifier;
  log: Logger;
  /** Wraps each exchange call (retries with backoff); called as is by default. */
  retry?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** How many recent bars to keep for charts (default: a day of bars, at least 300). */
  recentBars?: number;
  /**
   * Live exchanges sometimes publish a closed candle a moment late: when the newest one is
   * missing, ask once more after this many ms within the same tick (0 = do not; replay never needs it).
   */
  staleRetryMs?: number;
}

export interface TickReport {
  /** Bars that went through the cycle in this tick (catch-up after downtime can be many). */
  bars: number;
  /** Open time of the newest processed bar. */
  lastBarTime: number | null;
  /** Wall milliseconds of the whole tick (fetch included). */
  latencyMs: number;
  /** Milliseconds of features + predict + signals, summed over the tick's bars. */
  computeMs: number;
  /** The source had not delivered the newest closed bar. */
  stale: boolean;
  error?: string;
}

export interface ServiceHealth {
  symbol: string;
  freq: string;
  source: string;
  /** Open time of the newest processed bar. */
  lastBarTime: number | null;
  /** How far the newest processed bar's close lags behind the source's clock (ms). */
  lagMs: number | null;
  lastTick: (TickReport & { at: number }) | null;
  ticks: number;
  skippedTicks: number;
  /** Set while the source has not delivered the newest closed bar. */
  staleSince: number | null;
  gaps: ServiceState['data']['gaps'];
  /** Bars up to this open time are affected by a recent gap (not scored as fresh). */
  gapAffectedUntil: number | null;
  failure: ServiceState['data']['failure'];
  /** Score columns of the newest bar. */
  lastValues: Record<string, number>;
  lastClose: number | null;
}

/**
 * The minute cycle (spec §7.2): every tick fetches the bars that closed since the last one
 * (with a small overlap), pushes them one by one through the streaming features, the models and
 * the signals, runs the outputs in order and persists the state. Ticks never overlap.
 */
export class Signaler {
  readonly freq: Freq;
  readonly recent: RecentBars;
  private readonly retry: <T>(fn: () => Promise<T>) => Promise<T>;
  private running: Promise<TickReport> | null = null;
  private started = false;
  private needsWarmUp = false;
  private stopping = false;
  private ticks = 0;
  private skippedTicks = 0;
  private staleSince: number | null = null;
  private lastTick: (TickReport & { at: number }) | null = null;
  private lastValues: Record<string, number> = {};
  private lastClose: number | null = null;

  constructor(private readonly deps: SignalerDeps) {
    this.freq = parseFreq(deps.config.freq);
    this.retry = deps.retry ?? ((fn) => fn());
    const dayOfBars = Math.ceil(86_400_000 / this.freq.ms);
    this.recent = new RecentBars(deps.recentBars ?? Math.max(300, dayOfBars), deps.scorer.outputColumns);
  }

  /** True once stop() was called. */
  get stopped(): boolean {
    return this.stopping;
  }

  get state(): ServiceState {
    return this.deps.state;
  }

  /** Bars of history the features need before the first scored bar. */
  historyBars(): number {
    const c = this.deps.config;
    return Math.max(1, c.features_horizon + c.predict_length);
  }

  /**
   * Backfills the history the features need (ending at the last processed bar after a restart,
   * or at the newest closed bar on a first start) and warms the streaming features up on it.
   */
  async start(): Promise<void> {
    await this.warmUp();
    this.started = true;
  }

  private async warmUp(): Promise<void> {
    const { config, source, state, log } = this.deps;
    const newest = this.newestClosedBar(source.now());
    const anchor = state.data.lastBarTime ?? newest;
    const from = anchor - (this.historyBars() - 1) * this.freq.ms;
    const history = (await this.fetchClosed(from, anchor)).filter((c) => c.time <= anchor);
    if (!history.length) {
      throw new UserError(
        `the candle source ${source.id} returned no ${config.symbol} ${config.freq} candles up to ${formatTime(anchor)} (check the symbol, the venue and the data)`,
      );
    }
    const values = this.deps.scorer.init(candlesToFrame(history));
    history.forEach((c, i) => {
      const row: Record<string, number> = {};
      if (values) for (const name of values.columnNames()) row[name] = values.get(name)[i]!;
      this.recent.push(c, row);
      this.lastValues = row;
    });
    const last = history[history.length - 1]!;
    this.lastClose = last.close;
    if (state.data.lastBarTime === null) state.data.lastBarTime = last.time;
    await state.flush();
    this.needsWarmUp = false;
    log.info(
      `service warmed up on ${history.length} ${config.freq} bars up to ${formatTime(last.time)}; next bar to process: ${formatTime(state.data.lastBarTime + this.freq.ms)}`,
    );
  }

  /** One tick; returns null when skipped because the previous tick is still running. */
  async tick(): Promise<TickReport | null> {
    if (!this.started) throw new Error('Signaler.tick() before start()');
    if (this.stopping) return null;
    if (this.running) {
      this.skippedTicks++;
      this.deps.log.warn('tick skipped: the previous tick is still running');
      return null;
    }
    this.running = this.runTick();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Waits for the running tick, then persists the state; later ticks do nothing. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.running) await this.running.catch(() => undefined);
    await this.deps.state.flush();
  }

  health(): ServiceHealth {
    const { config, source, state } = this.deps;
    const lastBar = state.data.lastBarTime;
    return {
      symbol: config.symbol,
      freq: config.freq,
      source: source.id,
      lastBarTime: lastBar,
      lagMs: lastBar === null ? null : Math.max(0, source.now() - (lastBar + this.freq.ms)),
      lastTick: this.lastTick,
      ticks: this.ticks,
      skippedTicks: this.skippedTicks,
      staleSince: this.staleSince,
      gaps: state.data.gaps,
      gapAffectedUntil: state.data.gapAffectedUntil,
      failure: state.data.failure,
      lastValues: { ...this.lastValues },
      lastClose: this.lastClose,
    };
  }

  private async runTick(): Promise<TickReport> {
    const { config, source, state, log } = this.deps;
    const t0 = performance.now();
    const now = source.now();
    const newest = this.newestClosedBar(now);
    let report: TickReport;
    try {
      if (this.needsWarmUp) await this.warmUp();
      const lastBarTime = state.data.lastBarTime!;
      const overlap = config.append_overlap_records;
      let candles = await this.fetchClosed(lastBarTime - overlap * this.freq.ms);
      const retryMs = this.deps.staleRetryMs ?? 0;
      if (retryMs > 0 && (candles.at(-1)?.time ?? lastBarTime) < newest && !this.stopping) {
        await new Promise((r) => setTimeout(r, retryMs));
        candles = await this.fetchClosed(lastBarTime - overlap * this.freq.ms);
      }
      this.checkOverlap(candles, lastBarTime);
      const fresh = candles.filter((c) => c.time > lastBarTime);
      const records: ScoreRecord[] = [];
      let computeMs = 0;
      let outputError: unknown = null;
      try {
        for (const candle of fresh) {
          const done = await this.processBar(candle, newest);
          records.push(done.record);
          computeMs += done.computeMs;
          outputError ??= done.outputError;
          if (this.stopping) break;
        }
      } finally {
        // Bars that went through are recorded even when a later one failed.
        state.appendHistory(records);
      }
      const processedUpTo = state.data.lastBarTime!;
      const stale = processedUpTo < newest;
      if (stale) {
        this.staleSince ??= now;
        log.warn(`no ${config.symbol} candle for ${formatTime(newest)} yet (newest: ${formatTime(processedUpTo)}); it is not scored until it arrives`);
      } else {
        this.staleSince = null;
      }
      if (outputError) throw outputError;
      report = { bars: records.length, lastBarTime: processedUpTo, latencyMs: performance.now() - t0, computeMs, stale };
      await this.recovered();
    } catch (e) {
      report = {
        bars: 0,
        lastBarTime: state.data.lastBarTime,
        latencyMs: performance.now() - t0,
        computeMs: 0,
        stale: true,
        error: describeError(e),
      };
      await this.failed(e, now);
    }
    await state.flush();
    this.ticks++;
    this.lastTick = { ...report, at: now };
    this.logTick(report);
    return report;
  }

  /** One new bar through features → predict → signals → outputs. */
  private async processBar(candle: Candle, newest: number): Promise<{ record: ScoreRecord; computeMs: number; outputError: unknown }> {
    const { config, state, scorer } = this.deps;
    const expected = state.data.lastBarTime! + this.freq.ms;
    if (candle.time > expected) {
      const missingBars = Math.round((candle.time - expected) / this.freq.ms);
      state.recordGap({ from: expected, to: candle.time, missingBars });
      // Feature windows reaching back over the gap mix bars that are not adjacent.
      state.data.gapAffectedUntil = candle.time + Math.max(0, config.features_horizon - 1) * this.freq.ms;
      this.deps.log.warn(`data gap: ${missingBars} ${config.freq} bar(s) missing from ${formatTime(expected)}; scores are not used for ${config.features_horizon} bars`);
    }
    let scored: ScoredBar;
    try {
      scored = scorer.push(candle);
    } catch (e) {
      // The streams may hold part of this bar: start them again from history before the next one.
      this.needsWarmUp = true;
      throw e;
    }
    const maxAgeBars = Math.max(1, config.trader.max_data_age_bars);
    const gapAffected = state.data.gapAffectedUntil !== null && candle.time <= state.data.gapAffectedUntil;
    const status: ScoreRecord['status'] = gapAffected
      ? 'gap'
      : !scored.complete
        ? 'warmup'
        : candle.time <= newest - maxAgeBars * this.freq.ms
          ? 'late'
          : 'ok';
    this.recent.push(candle, scored.values);
    state.data.lastBarTime = candle.time;
    this.lastValues = scored.values;
    this.lastClose = candle.close;
    const bar = { candle, scored, fresh: status === 'ok' };
    let outputError: unknown = null;
    // Every output sees every bar (the trader settles orders on late bars too); `fresh` tells
    // them whether they may alert or trade on it.
    for (let i = 0; i < this.deps.outputs.length; i++) {
      const output = this.deps.outputs[i]!;
      try {
        await output.run(bar, this.slot(`${i}:${output.name}`));
      } catch (e) {
        // As in the original, a failing output stops the outputs after it for this bar.
        outputError = new Error(`output ${output.name} failed on the bar of ${formatTime(candle.time)}: ${describeError(e)}`, { cause: e });
        break;
      }
    }
    const record: ScoreRecord = { time: candle.time, close: candle.close, status, values: scored.values };
    return { record, computeMs: scored.computeMs, outputError };
  }

  private slot(key: string): OutputStateSlot {
    const outputs = this.deps.state.data.outputs;
    return {
      get: <T>() => outputs[key] as T | undefined,
      set: <T>(value: T) => {
        outputs[key] = value;
      },
    };
  }

  /** Closed candles from `since` on (up to `until` when given), across pages, oldest first, without duplicates. */
  private async fetchClosed(since: number, until = Infinity): Promise<Candle[]> {
    const { source, config } = this.deps;
    const now = source.now();
    const out: Candle[] = [];
    let cursor = since;
    for (;;) {
      // As many bars as can have closed by now (and one more), not a whole page: a request's weight grows with its limit.
      const limit = Math.min(PAGE, Math.max(1, Math.ceil((Math.min(until, now) - cursor) / this.freq.ms) + 2));
      const page = await this.retry(() => source.fetchCandles(config.symbol, this.freq, cursor, limit));
      for (const c of page) {
        if (c.time + this.freq.ms > now) continue; // still open
        if (out.length && c.time <= out[out.length - 1]!.time) continue;
        if (c.time < since) continue;
        out.push(c);
      }
      const lastOpen = page.length ? page[page.length - 1]!.time : -Infinity;
      if (page.length < limit || lastOpen + this.freq.ms > now || lastOpen < cursor || lastOpen >= until) break;
      cursor = lastOpen + this.freq.ms;
    }
    return out;
  }

  /** Overlapping candles should equal what was processed; a revised one is logged, not re-scored. */
  private checkOverlap(candles: Candle[], lastBarTime: number): void {
    const frame = this.recent;
    if (!frame.length) return;
    const known = frame.toFrame();
    for (const c of candles) {
      if (c.time > lastBarTime) break;
      const i = known.lowerBound(c.time);
      if (i < known.length && known.time[i] === c.time && known.get('close')[i] !== c.close) {
        this.deps.log.warn(`the ${formatTime(c.time)} candle changed after it was processed (close ${known.get('close')[i]} → ${c.close})`);
      }
    }
  }

  private newestClosedBar(now: number): number {
    const current = floorTime(now, this.freq);
    if (!this.freq.months) return current - this.freq.ms;
    const d = new Date(current);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - this.freq.months, 1);
  }

  /** A failing tick tells the admins once, not once per tick. */
  private async failed(e: unknown, now: number): Promise<void> {
    const { state, log, admins, config } = this.deps;
    const message = describeError(e);
    log.error({ err: e }, `tick failed: ${message}`);
    if (state.data.failure) {
      state.data.failure.count++;
      return;
    }
    state.data.failure = { since: now, message, count: 1 };
    await admins
      .notifyAdmins(`⚠️ ${config.symbol} ${config.freq}: the service tick failed at ${formatTime(now)} UTC: ${message}. It keeps retrying every bar; you will be told when it recovers.`)
      .catch((err: unknown) => log.error(`could not notify the admins: ${describeError(err)}`));
  }

  private async recovered(): Promise<void> {
    const { state, admins, log, config } = this.deps;
    const failure = state.data.failure;
    if (!failure) return;
    state.data.failure = null;
    await admins
      .notifyAdmins(`✅ ${config.symbol} ${config.freq}: the service recovered after ${failure.count} failed tick(s) since ${formatTime(failure.since)} UTC.`)
      .catch((err: unknown) => log.error(`could not notify the admins: ${describeError(err)}`));
  }

  private logTick(r: TickReport): void {
    const { log, config } = this.deps;
    const vals = Object.entries(this.lastValues)
      .filter(([, v]) => Number.isFinite(v))
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    const close = this.lastClose === null ? '' : ` close ${Math.trunc(this.lastClose).toLocaleString('en-US')}`;
    const line = `tick ${config.symbol} ${r.lastBarTime === null ? '' : formatTime(r.lastBarTime)}: ${r.bars} bar(s)${close} ${vals} · latency ${r.latencyMs.toFixed(1)} ms (compute ${r.computeMs.toFixed(1)} ms)${r.stale ? ' · STALE' : ''}`;
    if (r.error) log.error(`${line} · failed: ${r.error}`);
    else log.info(line);
  }
}
