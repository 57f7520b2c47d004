import ccxt from 'ccxt';
import type { SendLimits } from '../../bot/sendLimiter.ts';
import type { Config } from '../../config/schema.ts';
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
import type { SimulatedClock } from './scheduler.ts';
import { openService, type ServiceHandle } from './service.ts';
import { ServiceState, stateFolder } from './state.ts';
import { lockServiceFolders } from './serviceLock.ts';
import { removeStrayTemps } from '../../storage/atomic.ts';
import type { StateFileRecovery, StateFileReport } from '../../storage/jsonStore.ts';
import { reloadService } from './reload.ts';
import { StopControl, StoppedDuringStart } from './stopControl.ts';

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

/** A stop signal ends the service within 10 s: the stop gives waiting parts this long, then leaves them (the CLI then exits). */
export const STOP_BUDGET_MS = 7_000;

/**
 * `itb serve` and `npm start`: takes the folders' lock (a second service refuses), loads the
 * models (a missing or mismatched model is a clear error), opens the candle source, the bot and
 * the trader, warms up, then ticks on the schedule until the replay ends or SIGINT/SIGTERM. A
 * stop finishes the running tick and stops the bot, but waits for neither longer than
 * STOP_BUDGET_MS from the signal (an unreachable exchange or Telegram); the log says how many
 * messages are left in the outbox for the next start.
 */
export async function runService(outer: JobContext, o: RunServiceOptions): Promise<number> {
  const tap = new LogTap(outer.log);
  const ctx: JobContext = { ...outer, log: tap.logger };
  const config: Config = { ...ctx.config, train: false };
  const { log } = ctx;
  if (!o.source) resolveVenue(config, ccxt.exchanges as string[]); // before any slow work
  const releaseLock = lockServiceFolders(config, o.mode === 'start' ? 'itb start' : 'itb serve', log);

  let service: ServiceHandle | undefined;
  const stopper = new StopControl(STOP_BUDGET_MS, log, () => void service?.stop());
  const { stop } = stopper;
  ctx.signal?.addEventListener('abort', stop, { once: true });
  process.on('SIGTERM', stop);

  let parts: ProcessParts | undefined;
  let source: CandleSource | undefined;
  let retrainJob: { cancel(): void } | null = null;
  try {
    // Damaged state files were restored from their last good copy or started afresh: logged now, told to the admins once the bot runs.
    const restarts: StateFileRecovery[] = [];
    const stateReport: StateFileReport = (r) => {
      (r.defaults ? log.error : log.warn).call(log, r.message);
      if (r.defaults) restarts.push(r);
    };
    const folder = stateFolder(config);
    const temps = removeStrayTemps(folder);
    if (temps.length) log.warn(`removed ${temps.length} temporary file(s) a stopped process left in ${folder}`);
    const models = await loadModelSet(config);
    const state = await ServiceState.open(folder, stateReport);
    source = o.source ?? (await stopper.unlessStopped(createCandleSource(config, { resumeAfter: state.data.lastBarTime, ...o.replay })));
    const candles = source;
    await preloadConfigGenerators(config, ctx.configFile || undefined);
    const scorer = new StreamingScorer(config, models, configDirOf(ctx.configFile || undefined));
    let modelsInUse = { names: models.scoreColumns, trainedAt: modelSetTrainedAt(models) };
    state.data.modelsTrainedAt = modelsInUse.trainedAt;
    /** New models (retrained or reloaded) take over from the next bar on. */
    const swapModels = (fresh: ModelSet) => {
      scorer.swapModels(fresh);
      modelsInUse = { names: fresh.scoreColumns, trainedAt: modelSetTrainedAt(fresh) };
      state.data.modelsTrainedAt = modelsInUse.trainedAt;
    };

    parts = await openProcessParts(
      { ...ctx, config },
      { mode: o.mode, terminalChat: o.terminalChat ?? 'off', folder, clock: () => candles.now(), botLimits: o.botLimits, logs: (n) => tap.lines(n), stateReport },
    );
    const p = parts;
    const carried = p.unsent();
    if (carried) log.info(`${carried} message(s) left unsent by the previous run are sent now`);
    const retrainer = new Retrainer({
      ctx: () => ({ ...ctx, config }),
      swap: (fresh) => swapModels(fresh),
      notifyAdmins: (t) => p.admins.notifyAdmins(t),
      log,
    });
    service = await stopper.unlessStopped(
      openService({
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
      }),
    );
    const running = service;
    await stopper.unlessStopped(parts.attach(running, retrainer, () => reloadService({ configFile: ctx.configFile, load: o.reloadConfig, running: config, swap: swapModels })));
    for (const r of restarts) await parts.admins.notifyAdmins(`⚠️ ${r.message}`);
    if (config.service.retrain_cron) {
      retrainJob = scheduleRetraining({ cron: config.service.retrain_cron, run: async () => void (await retrainer.run()), log });
    }
    await stopper.unlessStopped(Promise.resolve(o.onReady?.(running, parts)));
    if (o.terminalChat === 'interactive') void parts.chatClosed.then(stop);

    // A tick waiting on an unreachable exchange does not hold the stop up: the budget below does.
    const ticking = running.run();
    ticking.catch(() => undefined); // once stopping, a late failure of the left tick is not this run's
    await Promise.race([ticking, stopper.requested]);
    // Piped commands are answered before the end (the input's end is awaited, not typed),
    // including the long jobs they started: a piped /backtest reports instead of being cancelled.
    if (o.terminalChat === 'piped' && !running.signaler.stopped) {
      await Promise.race([parts.chatClosed, stopper.requested]);
      await Promise.race([parts.jobsSettled(), stopper.requested]);
    }
    if (!running.signaler.stopped) await Promise.race([parts.drain(DRAIN_MS), stopper.requested]);
    if (o.terminalChat === 'interactive' && !running.signaler.stopped) {
      process.stdout.write('The replay has ended; the chat stays open: type /quit to leave.\n');
      await Promise.race([parts.chatClosed, stopper.requested]);
    }
    return 0;
  } catch (e) {
    if (e instanceof StoppedDuringStart) {
      log.info('stopped during start-up');
      return 0;
    }
    throw e;
  } finally {
    process.removeListener('SIGTERM', stop);
    ctx.signal?.removeEventListener('abort', stop);
    retrainJob?.cancel();
    await stopper.withinBudget('finishing the running tick', service?.stop());
    await stopper.withinBudget('stopping the bot', parts?.close());
    await stopper.withinBudget('closing the candle source', source?.close?.());
    if (service) {
      const h = service.signaler.health();
      log.info(`service stopped after ${h.ticks} tick(s); last bar ${h.lastBarTime === null ? 'none' : formatTime(h.lastBarTime)} UTC`);
    }
    const unsent = parts?.unsent() ?? 0;
    if (unsent) log.warn(`${unsent} message(s) not sent yet: they stay in the outbox and are sent at the next start`);
    releaseLock();
  }
}
