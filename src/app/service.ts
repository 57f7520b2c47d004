import ccxt from 'ccxt';
import type { SendLimits } from '../bot/sendLimiter.ts';
import type { Config } from '../config/schema.ts';
import { ReplayCandleSource } from '../core/exchange/replay.ts';
import type { CandleSource } from '../core/exchange/types.ts';
import { formatTime } from '../core/time.ts';
import type { JobContext } from '../jobs/context.ts';
import { tickSchedule } from '../jobs/service/cron.ts';
import { renderDiagram } from '../jobs/service/diagramRenderer.ts';
import { LogTap } from '../jobs/service/logTap.ts';
import { scheduleRetraining } from '../jobs/service/retrain.ts';
import { CronScheduler, ReplayScheduler, type SimulatedClock, type TickScheduler } from '../jobs/service/scheduler.ts';
import { lockServiceFolders } from '../jobs/service/serviceLock.ts';
import { resolveVenue } from '../jobs/service/source.ts';
import { StopControl, StoppedDuringStart } from '../jobs/service/stopControl.ts';
import type { StateFileRecovery, StateFileReport } from '../storage/jsonStore.ts';
import { openProcessBot, type ProcessBot, type TerminalChatMode } from './bot.ts';
import { assemblePipeline, openSymbol, type OpenSymbol, type SymbolPipeline } from './pipeline.ts';
import { openTraders } from './trader.ts';

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
  onReady?: (service: RunningService) => void | Promise<void>;
}

/** A stop signal ends the service within 10 s: the stop gives waiting parts this long, then leaves them (the CLI then exits). */
export const STOP_BUDGET_MS = 7_000;

/** The service of this process: its symbols' pipelines, ticked together on one schedule, and its bot. */
export interface RunningService {
  pipelines: SymbolPipeline[];
  bot: ProcessBot;
  scheduler: TickScheduler;
  /** True once `stop()` was called. */
  readonly stopped: boolean;
  /** Ticks on the schedule until the replay ends or `stop()`. */
  run(): Promise<void>;
  /** Finishes the running ticks, stops the schedule and flushes the state. */
  stop(): Promise<void>;
}

/**
 * `itb serve` and `npm start`: takes the folders' lock (a second service refuses), opens the bot
 * and the symbol's pipeline (models, candle source, scorer, trader, outputs), warms up, starts
 * the bot, then ticks on the schedule until the replay ends or SIGINT/SIGTERM. A stop finishes
 * the running tick and stops the bot, but waits for neither longer than STOP_BUDGET_MS from the
 * signal (an unreachable exchange or Telegram); the log says how many messages are left in the
 * outbox for the next start.
 */
export async function runService(outer: JobContext, o: RunServiceOptions): Promise<number> {
  const tap = new LogTap(outer.log);
  const ctx: JobContext = { ...outer, config: { ...outer.config, train: false }, log: tap.logger };
  const { config, log } = ctx;
  if (!o.source) resolveVenue(config, ccxt.exchanges as string[]); // before any slow work
  const releaseLock = lockServiceFolders(config, o.mode === 'start' ? 'itb start' : 'itb serve', log);

  let service: RunningService | undefined;
  const stopper = new StopControl(STOP_BUDGET_MS, log, () => void service?.stop());
  const { stop } = stopper;
  ctx.signal?.addEventListener('abort', stop, { once: true });
  process.on('SIGTERM', stop);

  let bot: ProcessBot | undefined;
  const symbols: OpenSymbol[] = [];
  const pipelines: SymbolPipeline[] = [];
  let retrainJobs: Array<{ cancel(): void }> = [];
  try {
    // Damaged state files were restored from their last good copy or started afresh: logged now, told to the admins once the bot runs.
    const restarts: StateFileRecovery[] = [];
    const stateReport: StateFileReport = (r) => {
      (r.defaults ? log.error : log.warn).call(log, r.message);
      if (r.defaults) restarts.push(r);
    };
    const guard = <T>(step: Promise<T>) => stopper.unlessStopped(step);
    const symbol = await openSymbol({ ctx, source: o.source, replay: o.replay, guard, stateReport });
    symbols.push(symbol);
    bot = await openProcessBot(config, { withoutToken: o.mode === 'start' ? 'terminal' : 'console', folder: symbol.folder, log, limits: o.botLimits, stateReport });
    const carried = bot.unsent();
    if (carried) log.info(`${carried} message(s) left unsent by the previous run are sent now`);
    const shared = { publisher: bot.publisher, admins: bot.admins, render: renderDiagram, stateReport };
    // The symbols' traders share one account (its quote, max_open_trades, the total loss limit).
    const admins = bot.admins;
    const traders = await openTraders(
      symbols.map((s) => s.ctx.config),
      { clock: (sym) => symbols.find((s) => s.ctx.config.symbol === sym)!.source.now(), log, stateReport, tellAdmins: (text) => admins.notifyAdmins(text) },
    );
    const pipeline = await assemblePipeline(symbol, shared, { simulatedClock: !!o.clock, reloadConfig: o.reloadConfig, trader: traders.traders[0] });
    pipelines.push(pipeline);
    await guard(pipeline.warmUp());
    service = scheduleService(pipelines, bot, { clock: o.clock, maxTicks: o.replay?.maxTicks, log });
    const running = service;

    for (const p of pipelines) await guard(p.startTrader());
    await guard(bot.start(pipeline.botServices({ logs: (n) => tap.lines(n) }), o.terminalChat ?? 'off'));
    for (const r of restarts) await bot.admins.notifyAdmins(`⚠️ ${r.message}`);
    retrainJobs = pipelines
      .filter((p) => p.config.service.retrain_cron)
      .map((p) => scheduleRetraining({ cron: p.config.service.retrain_cron, run: async () => void (await p.retrainer.run()), log }));
    await guard(Promise.resolve(o.onReady?.(running)));
    const front = bot;
    if (o.terminalChat === 'interactive') void front.chatClosed.then(stop);

    // A tick waiting on an unreachable exchange does not hold the stop up: the budget below does.
    const ticking = running.run();
    ticking.catch(() => undefined); // once stopping, a late failure of the left tick is not this run's
    await Promise.race([ticking, stopper.requested]);
    // Piped commands are answered before the end (the input's end is awaited, not typed),
    // including the long jobs they started: a piped /backtest reports instead of being cancelled.
    if (o.terminalChat === 'piped' && !running.stopped) {
      await Promise.race([front.chatClosed, stopper.requested]);
      await Promise.race([front.jobsSettled(), stopper.requested]);
    }
    if (!running.stopped) await Promise.race([front.drain(DRAIN_MS), stopper.requested]);
    if (o.terminalChat === 'interactive' && !running.stopped) {
      process.stdout.write('The replay has ended; the chat stays open: type /quit to leave.\n');
      await Promise.race([front.chatClosed, stopper.requested]);
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
    for (const j of retrainJobs) j.cancel();
    await stopper.withinBudget('finishing the running tick', service?.stop());
    await stopper.withinBudget('stopping the bot', bot?.close());
    for (const s of symbols) await stopper.withinBudget('closing the candle source', s.source.close?.());
    for (const p of service ? pipelines : []) {
      const h = p.signaler.health();
      log.info(`service stopped after ${h.ticks} tick(s); last bar ${h.lastBarTime === null ? 'none' : formatTime(h.lastBarTime)} UTC`);
    }
    const unsent = bot?.unsent() ?? 0;
    if (unsent) log.warn(`${unsent} message(s) not sent yet: they stay in the outbox and are sent at the next start`);
    releaseLock();
  }
}

/**
 * The schedule of the pipelines: the original's cron table of the bar frequency, in UTC, on the
 * wall clock; or, in a replay, on the replay's simulated clock (a test's clock, or the source's).
 */
function scheduleService(pipelines: SymbolPipeline[], bot: ProcessBot, o: { clock?: SimulatedClock; maxTicks?: number; log: JobContext['log'] }): RunningService {
  const first = pipelines[0]!;
  const schedule = tickSchedule(first.config.freq);
  const clock = o.clock ?? (first.source instanceof ReplayCandleSource ? first.source : null);
  const scheduler: TickScheduler = clock ? new ReplayScheduler(schedule, clock, { maxTicks: o.maxTicks }) : new CronScheduler(schedule);
  let stopping: Promise<void> | null = null;
  return {
    pipelines,
    bot,
    scheduler,
    get stopped() {
      return stopping !== null;
    },
    async run() {
      for (const p of pipelines) o.log.info(`service ${p.symbol} ${p.config.freq} on ${p.source.id}: ticks on "${schedule.cron}" (UTC)`);
      await scheduler.run(() => Promise.all(pipelines.map((p) => p.tick())));
    },
    stop() {
      stopping ??= (async () => {
        scheduler.stop();
        await Promise.all(pipelines.map((p) => p.stop()));
      })();
      return stopping;
    },
  };
}
