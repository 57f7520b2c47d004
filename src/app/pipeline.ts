import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { CandleSource } from '../core/exchange/types.ts';
import { ReplayCandleSource } from '../core/exchange/replay.ts';
import { parseFreq } from '../core/time.ts';
import type { Logger } from '../shared/log.ts';
import { tickSchedule } from '../jobs/service/cron.ts';
import { DiagramOutput } from '../jobs/service/diagram.ts';
import { modelsHealth, statusWarnings, type ServiceStatus } from '../jobs/service/health.ts';
import { createOutputs } from '../jobs/service/outputs/index.ts';
import type { OutputParts } from './parts.ts';
import type { AdminNotifier, BarScorer } from '../jobs/service/ports.ts';
import { CronScheduler, ReplayScheduler, type SimulatedClock, type TickScheduler } from '../jobs/service/scheduler.ts';
import { Signaler } from '../jobs/service/signaler.ts';
import type { ServiceState } from '../jobs/service/state.ts';

/** A live tick that finds the newest candle missing asks once more after this pause. */
const STALE_RETRY_MS = 3000;

/** The models behind a scorer, as /status reports them. */
export interface ModelsInUse {
  names: string[];
  trainedAt: number | null;
}

export interface OpenServiceOptions {
  config: Config;
  configFile: string;
  log: Logger;
  source: CandleSource;
  state: ServiceState;
  scorer: BarScorer;
  models: () => ModelsInUse;
  parts: OutputParts;
  admins: AdminNotifier;
  /** Ticks on this clock instead of the wall clock (default: the replay source's own clock). */
  clock?: SimulatedClock;
  /** Simulated clock only: stop after this many ticks (0 = until the source is finished). */
  maxTicks?: number;
  tradingMode?: () => string;
  /** Retraining state for /status. */
  retraining?: () => { running: boolean; last: { at: number; ok: boolean; message: string } | null };
}

/** A started service: warmed up, outputs built; `run()` ticks on the schedule until `stop()`. */
export interface ServiceHandle {
  signaler: Signaler;
  scheduler: TickScheduler;
  diagram: DiagramOutput | undefined;
  status(): ServiceStatus;
  run(): Promise<void>;
  /** Finishes the running tick, stops the schedule and flushes the state. */
  stop(): Promise<void>;
}

/** Builds the outputs, warms the features up on history and prepares the schedule (spec §7.1). */
export async function openService(o: OpenServiceOptions): Promise<ServiceHandle> {
  const { config, log } = o;
  const freq = parseFreq(config.freq);
  const schedule = tickSchedule(config.freq);
  let signaler: Signaler | undefined;
  const outputs = await createOutputs({
    config,
    configDir: o.configFile ? path.dirname(o.configFile) : process.cwd(),
    freq,
    publisher: o.parts.publisher,
    recent: () => signaler!.recent,
    log,
    render: o.parts.render,
    trader: o.parts.trader,
    transactions: o.parts.transactions,
  });
  const diagram = outputs.find((x): x is DiagramOutput => x instanceof DiagramOutput);
  signaler = new Signaler({
    config,
    source: o.source,
    scorer: o.scorer,
    outputs,
    state: o.state,
    admins: o.admins,
    log,
    recentBars: Math.max(300, Math.ceil(86_400_000 / freq.ms), diagram?.barsNeeded() ?? 0),
    staleRetryMs: o.clock || o.source instanceof ReplayCandleSource ? 0 : STALE_RETRY_MS,
  });
  await signaler.start();
  const clock = o.clock ?? (o.source instanceof ReplayCandleSource ? o.source : null);
  const scheduler: TickScheduler = clock ? new ReplayScheduler(schedule, clock, { maxTicks: o.maxTicks }) : new CronScheduler(schedule);
  let stopping: Promise<void> | null = null;

  const handle: ServiceHandle = {
    signaler,
    scheduler,
    diagram,
    status(): ServiceStatus {
      const h = signaler.health();
      const m = o.models();
      const retrain = o.retraining?.() ?? { running: false, last: null };
      const base = {
        ...h,
        venue: config.venue,
        tradingMode: o.tradingMode?.() ?? config.trader.mode,
        models: modelsHealth(config, m.names, m.trainedAt, Date.now(), { retraining: retrain.running, lastRetrain: retrain.last }),
        now: o.source.now(),
      };
      return { ...base, warnings: statusWarnings(base) };
    },
    async run(): Promise<void> {
      log.info(`service ${config.symbol} ${config.freq} on ${o.source.id}: ticks on "${schedule.cron}" (UTC)`);
      await scheduler.run(() => signaler.tick());
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        scheduler.stop();
        await signaler.stop();
      })();
      return stopping;
    },
  };
  return handle;
}
