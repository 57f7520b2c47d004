import path from 'node:path';
import type { BotServices } from '../bot/services.ts';
import { stateFolder } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ReplayCandleSource } from '../core/exchange/replay.ts';
import type { CandleSource } from '../core/exchange/types.ts';
import { parseFreq } from '../core/time.ts';
import type { JobContext } from '../jobs/context.ts';
import { createCandleSource } from '../jobs/service/candleSource.ts';
import { DiagramOutput, type DiagramRenderer } from '../jobs/service/diagram.ts';
import { modelsHealth, statusWarnings, type ServiceStatus } from '../jobs/service/health.ts';
import { createOutputs } from '../jobs/service/outputs/index.ts';
import type { AdminNotifier, BarOutput, ChannelPublisher } from '../jobs/service/ports.ts';
import { reloadService } from '../jobs/service/reload.ts';
import { Retrainer, modelSetTrainedAt } from '../jobs/service/retrain.ts';
import { readScoredBars } from '../jobs/service/scoredBars.ts';
import { StreamingScorer } from '../jobs/service/scorer.ts';
import { Signaler, type TickReport } from '../jobs/service/signaler.ts';
import type { ReplayStart } from '../jobs/service/source.ts';
import { ServiceState } from '../jobs/service/state.ts';
import { withThresholdsInForce } from '../jobs/walkForward.ts';
import { loadModelSet, type ModelSet } from '../models/modelSet.ts';
import { removeStrayTemps } from '../storage/atomic.ts';
import type { StateFileReport } from '../storage/jsonStore.ts';
import { configDirOf, preloadConfigGenerators } from '../storage/userModules.ts';
import { serviceBotServices } from './botServices.ts';
import { openTrader, traderOutputs, type OpenedTrader } from './trader.ts';

/** A live tick that finds the newest candle missing asks once more after this pause. */
const STALE_RETRY_MS = 3000;

/** The models behind a scorer, as /status reports them. */
export interface ModelsInUse {
  names: string[];
  trainedAt: number | null;
}

/** What every symbol's pipeline of a process shares: where posts go, who hears of problems, how charts are drawn. */
export interface SharedParts {
  publisher: ChannelPublisher;
  admins: AdminNotifier;
  render?: DiagramRenderer;
  /** Hears of a damaged trader.json. */
  stateReport?: StateFileReport;
}

export interface OpenSymbolOptions {
  /** This symbol's config and the process's log, progress and stop signal. */
  ctx: JobContext;
  /** Tests: a candle source of their own (default: the config's venue). */
  source?: CandleSource;
  /** Opens the config's candle source (default createCandleSource): a process of several symbols shares one per exchange. */
  openSource?: (config: Config, replay: ReplayStart) => Promise<CandleSource>;
  /** Replay venue: where to start, speed, base folder of replay.file. */
  replay?: ReplayStart;
  /** Wraps the slow steps, so that a stop signal does not wait for them. */
  guard?: <T>(step: Promise<T>) => Promise<T>;
  /** Hears of a damaged service.json. */
  stateReport?: StateFileReport;
}

/** A symbol's own files and data, opened before anything is built around them. */
export interface OpenSymbol {
  /** This symbol's config (train off) and the process's log, progress and stop signal. */
  ctx: JobContext;
  /** The folder of its state files. */
  folder: string;
  models: ModelSet;
  state: ServiceState;
  source: CandleSource;
}

/**
 * Opens what a symbol's pipeline is made of: removes what a stopped process left in its state
 * folder, loads the models (a missing or mismatched set is a clear error), opens the state and
 * the candle source (a replay resumes after the last processed bar). Nothing else is touched yet.
 */
export async function openSymbol(o: OpenSymbolOptions): Promise<OpenSymbol> {
  const ctx: JobContext = { ...o.ctx, config: { ...o.ctx.config, train: false } };
  const { config, log } = ctx;
  const folder = stateFolder(config);
  const temps = removeStrayTemps(folder);
  if (temps.length) log.warn(`removed ${temps.length} temporary file(s) a stopped process left in ${folder}`);
  const models = await loadModelSet(config);
  const state = await ServiceState.open(folder, o.stateReport);
  const guard = o.guard ?? (<T>(step: Promise<T>) => step);
  const source = o.source ?? (await guard((o.openSource ?? createCandleSource)(config, { resumeAfter: state.data.lastBarTime, ...o.replay })));
  return { ctx, folder, models, state, source };
}

export interface AssembleOptions {
  /** True when a test's simulated clock drives the ticks (as a replay's does): no waiting for a late candle. */
  simulatedClock?: boolean;
  /** How /reload reads the config again (default: the -c file). */
  reloadConfig?: () => Config;
  /** This symbol's trader on the account the process's symbols share (app/trader.ts openTraders); default: one of its own. */
  trader?: OpenedTrader;
}

/**
 * One symbol served by the process: its config, models, scorer, the minute cycle (signaler) with
 * its outputs and state, and its trader. A process holds one per symbol; the process owns the
 * schedule that ticks them, the bot, and the lock.
 */
export interface SymbolPipeline {
  readonly config: Config;
  readonly symbol: string;
  /** The folder of its state files. */
  readonly folder: string;
  readonly source: CandleSource;
  readonly state: ServiceState;
  readonly scorer: StreamingScorer;
  readonly trader: OpenedTrader;
  readonly signaler: Signaler;
  readonly outputs: BarOutput[];
  readonly diagram: DiagramOutput | undefined;
  readonly retrainer: Retrainer;
  models(): ModelsInUse;
  /** New models (retrained or reloaded) take over from the next bar on. */
  swapModels(models: ModelSet): void;
  status(): ServiceStatus;
  /** Backfills the history the features need and warms them up (the slow part of opening). */
  warmUp(): Promise<void>;
  /** Reconciles the trader with its books and the exchange (its notes are logged); before the first tick. */
  startTrader(): Promise<void>;
  /** The pipeline as the bot sees it: /score, /status, /chart, /train, /backtest, /trade … */
  botServices(extra: { logs?: (n: number) => string[] }): BotServices;
  tick(): Promise<TickReport | null>;
  /** Finishes the running tick and flushes the state. */
  stop(): Promise<void>;
}

/**
 * A symbol's pipeline around its open data: the scorer (custom generators loaded), the trader,
 * the outputs and the minute cycle; `warmUp()` then reads the history (spec §7.1).
 */
export async function assemblePipeline(opened: OpenSymbol, shared: SharedParts, o: AssembleOptions = {}): Promise<SymbolPipeline> {
  const { ctx, folder, models, state, source } = opened;
  const { config, log } = ctx;
  await preloadConfigGenerators(config, ctx.configFile || undefined);
  // The thresholds of the last walk-forward run where a rule asks for them (the log says which are in force).
  const scorer = new StreamingScorer(withThresholdsInForce(config, log), models, configDirOf(ctx.configFile || undefined));
  let modelsInUse: ModelsInUse = { names: models.scoreColumns, trainedAt: modelSetTrainedAt(models) };
  state.data.modelsTrainedAt = modelsInUse.trainedAt;
  const swapModels = (fresh: ModelSet) => {
    scorer.swapModels(fresh);
    modelsInUse = { names: fresh.scoreColumns, trainedAt: modelSetTrainedAt(fresh) };
    state.data.modelsTrainedAt = modelsInUse.trainedAt;
  };
  const trader = o.trader ?? (await openTrader(config, { clock: () => source.now(), log, stateReport: shared.stateReport, tellAdmins: (text) => shared.admins.notifyAdmins(text) }));
  const retrainer = new Retrainer({ ctx: () => ctx, swap: swapModels, notifyAdmins: (t) => shared.admins.notifyAdmins(t), log });

  const freq = parseFreq(config.freq);
  const outputs = await createOutputs({
    config,
    configDir: ctx.configFile ? path.dirname(ctx.configFile) : process.cwd(),
    freq,
    publisher: shared.publisher,
    recent: () => cycle.recent,
    log,
    render: shared.render,
    ...traderOutputs(trader.trader, shared.publisher, log),
  });
  const diagram = outputs.find((x): x is DiagramOutput => x instanceof DiagramOutput);
  const cycle = new Signaler({
    config,
    source,
    scorer,
    outputs,
    state,
    admins: shared.admins,
    log,
    recentBars: Math.max(300, Math.ceil(86_400_000 / freq.ms), diagram?.barsNeeded() ?? 0),
    staleRetryMs: o.simulatedClock || source instanceof ReplayCandleSource ? 0 : STALE_RETRY_MS,
  });

  const pipeline: SymbolPipeline = {
    config,
    symbol: config.symbol,
    folder,
    source,
    state,
    scorer,
    trader,
    signaler: cycle,
    outputs,
    diagram,
    retrainer,
    models: () => modelsInUse,
    swapModels,
    status(): ServiceStatus {
      const m = modelsInUse;
      const base = {
        ...cycle.health(),
        venue: config.venue,
        tradingMode: trader.trader.mode,
        models: modelsHealth(config, m.names, m.trainedAt, Date.now(), { retraining: retrainer.running, lastRetrain: retrainer.last }),
        now: source.now(),
      };
      return { ...base, warnings: statusWarnings(base) };
    },
    warmUp: () => cycle.start(),
    async startTrader() {
      for (const note of await trader.trader.start()) log.info(`trader: ${note}`);
    },
    botServices(extra) {
      return serviceBotServices({
        config,
        now: () => source.now(),
        signaler: cycle,
        status: () => pipeline.status(),
        scoreColumns: scoreColumnsOf(config),
        render: shared.render,
        diagram,
        trader: trader.control,
        logs: extra.logs,
        reload: () => reloadService({ configFile: ctx.configFile, load: o.reloadConfig, running: config, swap: swapModels }),
        // signals.csv continued by the bars this pipeline scored, cut at its clock: a replay's
        // /backtest never sees a candle the replay has not shown yet.
        backtest: async (request, progress, signal) => {
          const { backtestJob } = await import('../jobs/backtest.ts');
          const r = await backtestJob(config, request, progress, signal, {
            until: source.now(),
            scoredAfter: (after, columns) => readScoredBars(folder, columns, after),
          });
          return { summary: r.summary, png: r.png };
        },
        download:
          config.venue === 'replay'
            ? undefined
            : async (progress, signal) => {
                const { run } = await import('../jobs/download.ts');
                await run({ ...ctx, progress, signal });
                return { summary: `${config.symbol} ${config.freq} klines are up to date in ${config.data_folder}.` };
              },
        train: async (progress, signal) => {
          const r = await retrainer.run(progress, signal);
          return { summary: `New models in use, trained on ${r.rows} rows in ${r.seconds.toFixed(0)} s.`, metrics: Object.fromEntries(r.models.models.map((m) => [m.scoreColumn, m.manifest.metrics])) };
        },
      });
    },
    tick: () => cycle.tick(),
    stop: () => cycle.stop(),
  };
  return pipeline;
}

/** The score columns the notifications use (first = the score). */
function scoreColumnsOf(config: Config): string[] {
  const score = config.output_sets.find((o) => o.generator === 'score_notification_model');
  const cols = score?.config?.score_column_names;
  if (typeof cols === 'string') return [cols];
  if (Array.isArray(cols)) return cols.filter((c): c is string => typeof c === 'string');
  return [];
}
