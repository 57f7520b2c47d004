import ccxt from 'ccxt';
import type { SendLimits } from '../../bot/sendLimiter.ts';
import type { Config } from '../../config/schema.ts';
import { describeError } from '../../core/errors.ts';
import type { CandleSource } from '../../core/exchange/types.ts';
import { formatTime } from '../../core/time.ts';
import { loadModelSet, type ModelSet } from '../../models/modelSet.ts';
import { configDirOf, preloadConfigGenerators } from '../../core/generators/index.ts';
import type { JobContext } from '../context.ts';
import { createCandleSource } from './candleSource.ts';
import { LogTap } from './logTap.ts';
import { resolveVenue } from './source.ts';
import { openProcessParts, type ProcessParts, type TerminalChatMode } from './processParts.ts';
import { Retrainer, modelSetTrainedAt, scheduleRetraining } from './retrain.ts';
import { StreamingScorer } from './scorer.ts';
import { withThresholdsInForce } from '../walkForward.ts';
import type { SimulatedClock } from './scheduler.ts';
import { openService, type ServiceHandle } from './service.ts';
import { ServiceState, stateFolder } from './state.ts';
import { reloadService } from './reload.ts';

/** How long the end of a replay waits for queued posts to go out. */
const DRAIN_MS = 30_000;

export interface RunServiceOptions {
  mode: 'serve' | 'start';
  /** Replay venue: where to start (default config.replay.start), speed, how many ticks, base folder of replay.file. */
  replay?: { start?: number; speed?: number; maxTicks?: number; baseDir?: string };
  /**
   * `npm start`: the terminal chat reads stdin. 'interactive' (a terminal): leaving the chat
   * stops the service and the chat stays open after the replay; 'piped': lines are commands,
   * the end of the input changes nothing.
   */
  terminalChat?: TerminalChatMode;
  /** Tests: a candle source of their own, and the simulated clock that drives the ticks. */
  source?: CandleSource;
  clock?: SimulatedClock;
  /** Tests: Telegram sending limits. */
  botLimits?: SendLimits;
  /** How /reload reads the config again (default: the -c file; npm start: the embedded config). */
  reloadConfig?: () => Config;
  /** Tests: called once the service is warmed up, before the first tick. */
  onReady?: (service: ServiceHandle, parts: ProcessParts) => void | Promise<void>;
}

/**
 * `itb serve` and `npm start`: loads the models (a missing or mismatched model is a clear error),
 * opens the candle source, the bot and the trader, warms up, then ticks on the schedule until the
 * replay ends or SIGINT/SIGTERM; shutdown finishes the tick, flushes the state and stops the bot.
 */
export async function runService(outer: JobContext, o: RunServiceOptions): Promise<number> {
  const tap = new LogTap(outer.log);
  const ctx: JobContext = { ...outer, log: tap.logger };
  const config: Config = { ...ctx.config, train: false };
  const { log } = ctx;
  if (!o.source) resolveVenue(config, ccxt.exchanges as string[]); // before any slow work
  const models = await loadModelSet(config);
  const state = await ServiceState.open(stateFolder(config));
  const source = o.source ?? (await createCandleSource(config, { resumeAfter: state.data.lastBarTime, ...o.replay }));
  await preloadConfigGenerators(config, ctx.configFile || undefined);
  // The thresholds of the last walk-forward run where a rule asks for them (the log says which are in force).
  const scorer = new StreamingScorer(withThresholdsInForce(config, log), models, configDirOf(ctx.configFile || undefined));
  let modelsInUse = { names: models.scoreColumns, trainedAt: modelSetTrainedAt(models) };
  state.data.modelsTrainedAt = modelsInUse.trainedAt;
  /** New models (retrained or reloaded) take over from the next bar on. */
  const swapModels = (fresh: ModelSet) => {
    scorer.swapModels(fresh);
    modelsInUse = { names: fresh.scoreColumns, trainedAt: modelSetTrainedAt(fresh) };
    state.data.modelsTrainedAt = modelsInUse.trainedAt;
  };

  const parts = await openProcessParts({ ...ctx, config }, { mode: o.mode, terminalChat: o.terminalChat ?? 'off', folder: stateFolder(config), clock: () => source.now(), botLimits: o.botLimits, logs: (n) => tap.lines(n) });
  let service: ServiceHandle | undefined;
  const retrainer = new Retrainer({
    ctx: () => ({ ...ctx, config }),
    swap: (fresh) => swapModels(fresh),
    notifyAdmins: (t) => parts.admins.notifyAdmins(t),
    log,
  });
  let retrainJob: { cancel(): void } | null = null;
  try {
    service = await openService({
      config,
      configFile: ctx.configFile,
      log,
      source,
      state,
      scorer,
      models: () => modelsInUse,
      parts,
      admins: parts.admins,
      clock: o.clock,
      maxTicks: o.replay?.maxTicks,
      tradingMode: parts.tradingMode,
      retraining: () => ({ running: retrainer.running, last: retrainer.last }),
    });
    await parts.attach(service, retrainer, () => reloadService({ configFile: ctx.configFile, load: o.reloadConfig, running: config, swap: swapModels }));
    if (config.service.retrain_cron) {
      retrainJob = scheduleRetraining({ cron: config.service.retrain_cron, run: async () => void (await retrainer.run()), log });
    }
    await o.onReady?.(service, parts);

    let stopRequested!: () => void;
    const stopping = new Promise<void>((r) => (stopRequested = r));
    const stop = () => {
      log.info('stopping: finishing the running tick …');
      stopRequested();
      void service?.stop();
    };
    ctx.signal?.addEventListener('abort', stop, { once: true });
    process.once('SIGTERM', stop);
    if (o.terminalChat === 'interactive') void parts.chatClosed.then(stop);
    try {
      await service.run();
      // Piped commands are answered before the end (the input's end is awaited, not typed),
      // including the long jobs they started: a piped /backtest reports instead of being cancelled.
      if (o.terminalChat === 'piped' && !service.signaler.stopped) {
        await Promise.race([parts.chatClosed, stopping]);
        await Promise.race([parts.jobsSettled(), stopping]);
      }
      if (!service.signaler.stopped) await parts.drain(DRAIN_MS);
      if (o.terminalChat === 'interactive' && !service.signaler.stopped) {
        process.stdout.write('The replay has ended; the chat stays open: type /quit to leave.\n');
        await Promise.race([parts.chatClosed, stopping]);
      }
    } finally {
      process.removeListener('SIGTERM', stop);
      ctx.signal?.removeEventListener('abort', stop);
    }
    const h = service.signaler.health();
    log.info(`service stopped after ${h.ticks} tick(s); last bar ${h.lastBarTime === null ? 'none' : formatTime(h.lastBarTime)} UTC`);
    return 0;
  } finally {
    retrainJob?.cancel();
    await service?.stop().catch((e: unknown) => log.error(`stopping the service: ${describeError(e)}`));
    await parts.close().catch((e: unknown) => log.error(`stopping the bot: ${describeError(e)}`));
    await source.close?.();
  }
}
