import path from 'node:path';
import ccxt from 'ccxt';
import type { SendLimits } from '../bot/sendLimiter.ts';
import { botStateFolder } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { SymbolConfig } from '../config/symbols.ts';
import { ReplayCandleSource } from '../core/exchange/replay.ts';
import type { CandleSource } from '../core/exchange/types.ts';
import { formatTime } from '../core/time.ts';
import { UserError } from '../shared/errors.ts';
import type { JobContext } from '../jobs/context.ts';
import { createCandleSource } from '../jobs/service/candleSource.ts';
import { tickSchedule } from '../jobs/service/cron.ts';
import { renderDiagram } from '../jobs/service/diagramRenderer.ts';
import { LogTap } from '../jobs/service/logTap.ts';
import { scheduleRetraining } from '../jobs/service/retrain.ts';
import { CronScheduler, ReplayScheduler, type SimulatedClock, type TickScheduler } from '../jobs/service/scheduler.ts';
import { lockProcessFolders } from '../jobs/service/serviceLock.ts';
import { resolveVenue, type ReplayStart } from '../jobs/service/source.ts';
import { StopControl, StoppedDuringStart } from '../jobs/service/stopControl.ts';
import type { StateFileRecovery, StateFileReport } from '../storage/jsonStore.ts';
import { openProcessBot, type ProcessBot, type TerminalChatMode } from './bot.ts';
import { processBotServices } from './botServices.ts';
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
  /** Tests: a candle source of their own (for every symbol), and the simulated clock that drives the ticks. */
  source?: CandleSource;
  clock?: SimulatedClock;
  /** Tests: Telegram sending limits. */
  botLimits?: SendLimits;
  /** How /reload reads a symbol's config again (default: its -c file; npm start: the embedded config). */
  reloadConfig?: (symbol: string) => Config;
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
 * The symbols one process serves together: one clock (the same `freq`, all replayed or all live)
 * and one bot (one token). Anything else is one sentence naming the two that differ.
 */
export function checkOneProcess(symbols: readonly SymbolConfig[]): void {
  const [first, ...rest] = symbols;
  if (!first) throw new UserError('no symbol to serve');
  const replay = (c: Config) => c.venue.trim().toLowerCase() === 'replay';
  for (const s of rest) {
    const a = first.config;
    const b = s.config;
    if (a.freq !== b.freq) {
      throw new UserError(`the symbols of one process tick on one clock, so they need one freq: ${a.symbol} has ${a.freq} (${first.label}), ${b.symbol} has ${b.freq} (${s.label})`);
    }
    if (replay(a) !== replay(b)) {
      throw new UserError(`the symbols of one process tick on one clock, so they are all replayed or all live: ${a.symbol} has venue "${a.venue}" (${first.label}), ${b.symbol} has "${b.venue}" (${s.label})`);
    }
    if (a.telegram.token && b.telegram.token && a.telegram.token !== b.telegram.token) {
      throw new UserError(`one process runs one Telegram bot, and ${first.label} and ${s.label} name different bot tokens: give them the same token (or TELEGRAM_BOT_TOKEN)`);
    }
  }
}

/**
 * Puts replayed symbols on one clock: it starts where the latest of them starts (none replays a
 * bar twice) and the replay ends with the first file to end. Files that share no dates are
 * refused: candles of different dates are never played together.
 */
export function oneReplayClock(sources: ReadonlyArray<{ symbol: string; source: ReplayCandleSource }>, log?: JobContext['log']): SimulatedClock {
  const day = (t: number) => formatTime(t).slice(0, 10);
  const range = (x: { symbol: string; source: ReplayCandleSource }) => `${x.symbol} (${day(x.source.firstTime)} … ${day(x.source.lastTime)})`;
  const latestStart = sources.reduce((a, b) => (b.source.now() > a.source.now() ? b : a));
  const firstEnd = sources.reduce((a, b) => (b.source.end < a.source.end ? b : a));
  const start = latestStart.source.now();
  if (start >= firstEnd.source.end) {
    throw new UserError(
      `the replay files of ${range(firstEnd)} and ${range(latestStart)} share no dates to replay, and symbols on one clock replay the same dates: give them files of the same period`,
    );
  }
  const clock = sources[0]!.source.replayClock;
  clock.setNow(start);
  for (const s of sources) s.source.useClock(clock);
  const spans = new Set(sources.map((s) => `${s.source.firstTime}|${s.source.lastTime}`));
  if (spans.size > 1) log?.warn(`the replay files cover different dates: replaying ${formatTime(start)} … ${formatTime(firstEnd.source.end)}, which they all cover`);
  return {
    now: () => clock.now(),
    setNow: (t) => clock.setNow(t),
    getSpeed: () => clock.getSpeed(),
    finished: () => sources.some((s) => s.source.finished()),
  };
}

/**
 * Where each symbol's candles come from: a test's source, each symbol's replay file, or one
 * source per exchange shared by every symbol on it (one request budget, see exchange/requestBudget.ts).
 */
function candleSources(o: RunServiceOptions) {
  const live = new Map<string, Promise<CandleSource>>();
  const opened = new Set<CandleSource>();
  return {
    open: async (config: Config, replay: ReplayStart): Promise<CandleSource> => {
      if (o.source) return o.source;
      if (config.venue.trim().toLowerCase() === 'replay') {
        const source = await createCandleSource(config, replay);
        opened.add(source);
        return source;
      }
      const key = `${config.venue}|${config.exchange.id}|${config.exchange.market_type}|${config.exchange.api_root}`;
      let shared = live.get(key);
      if (!shared) live.set(key, (shared = createCandleSource(config)));
      const source = await shared;
      opened.add(source);
      return source;
    },
    /** Every source opened, once each (a test's own is the test's to close). */
    all: (): CandleSource[] => [...opened],
  };
}

/**
 * `itb serve` and `npm start`: takes the folders' locks (a second service refuses), opens the
 * bot and each symbol's pipeline (models, candle source, scorer, trader, outputs), warms them
 * up, starts the bot, then ticks them all on one schedule until the replay ends or
 * SIGINT/SIGTERM. A stop finishes the running tick and stops the bot, but waits for neither
 * longer than STOP_BUDGET_MS from the signal (an unreachable exchange or Telegram); the log says
 * how many messages are left in the outbox for the next start.
 */
export async function runService(outer: JobContext, o: RunServiceOptions): Promise<number> {
  const tap = new LogTap(outer.log);
  const listed = outer.symbols ?? [{ config: outer.config, file: outer.configFile, label: outer.configFile ? path.basename(outer.configFile) : 'config' }];
  const symbolConfigs = listed.map((s) => ({ ...s, config: { ...s.config, train: false } }));
  checkOneProcess(symbolConfigs);
  const ctx: JobContext = { ...outer, config: symbolConfigs[0]!.config, configFile: symbolConfigs[0]!.file, log: tap.logger, symbols: undefined };
  const { config, log } = ctx;
  if (!o.source) for (const s of symbolConfigs) resolveVenue(s.config, ccxt.exchanges as string[]); // before any slow work
  const botFolder = botStateFolder(config);
  const releaseLock = lockProcessFolders(symbolConfigs.map((s) => s.config), botFolder, o.mode === 'start' ? 'itb start' : 'itb serve', log);
  const sources = candleSources(o);

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
    for (const s of symbolConfigs) {
      const symbolCtx: JobContext = { ...ctx, config: s.config, configFile: s.file };
      symbols.push(await openSymbol({ ctx: symbolCtx, openSource: sources.open, replay: o.replay, guard, stateReport }));
    }
    const replayed = symbols.map((s) => ({ symbol: s.ctx.config.symbol, source: s.source })).filter((s): s is { symbol: string; source: ReplayCandleSource } => s.source instanceof ReplayCandleSource);
    const replayClock = !o.clock && replayed.length > 1 ? oneReplayClock(replayed, log) : undefined;
    bot = await openProcessBot(config, {
      withoutToken: o.mode === 'start' ? 'terminal' : 'console',
      folder: symbols[0]!.folder,
      botFolder,
      symbols: symbols.map((s) => s.ctx.config),
      log,
      limits: o.botLimits,
      stateReport,
    });
    const carried = bot.unsent();
    if (carried) log.info(`${carried} message(s) left unsent by the previous run are sent now`);
    // The symbols' traders share one account (its quote, max_open_trades, the total loss limit).
    const admins = bot.admins;
    const sourceOf = new Map(symbols.map((s) => [s.ctx.config.symbol, s.source]));
    const traders = await openTraders(
      symbols.map((s) => s.ctx.config),
      { clock: (sym) => sourceOf.get(sym)!.now(), log, stateReport, tellAdmins: (text) => admins.notifyAdmins(text) },
    );
    for (const [i, symbol] of symbols.entries()) {
      const name = symbol.ctx.config.symbol;
      const shared = { publisher: bot.publisherFor(name), admins: bot.admins, render: renderDiagram, stateReport };
      const reloadConfig = o.reloadConfig ? () => o.reloadConfig!(name) : undefined;
      pipelines.push(await assemblePipeline(symbol, shared, { simulatedClock: !!o.clock, reloadConfig, trader: traders.traders[i] }));
    }
    await guard(Promise.all(pipelines.map((p) => p.warmUp())));
    service = scheduleService(pipelines, bot, { clock: o.clock ?? replayClock, maxTicks: o.replay?.maxTicks, log });
    const running = service;

    for (const p of pipelines) await guard(p.startTrader());
    const offered = processBotServices(pipelines.map((p) => ({ symbol: p.symbol, services: p.botServices({ logs: (n) => tap.lines(n) }) })), traders.control);
    await guard(bot.start(offered, o.terminalChat ?? 'off'));
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
    for (const source of sources.all()) await stopper.withinBudget('closing the candle source', source.close?.());
    for (const p of service ? pipelines : []) {
      const h = p.signaler.health();
      log.info(`service ${pipelines.length > 1 ? `${p.symbol} ` : ''}stopped after ${h.ticks} tick(s); last bar ${h.lastBarTime === null ? 'none' : formatTime(h.lastBarTime)} UTC`);
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
      // Every symbol's tick runs at once: one waiting for the exchange holds none of the others up.
      await scheduler.run(() => bot.tickBatch(() => Promise.all(pipelines.map((p) => p.tick()))));
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
