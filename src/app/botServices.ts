import type { BacktestRequest, BotServices, ChartImage, JobResult, LatestScore, ServiceStatus as BotStatus, TraderControl } from '../bot/services.ts';
import type { Config } from '../config/schema.ts';
import { eachSymbolJob, type SymbolJob } from '../bot/symbols.ts';
import { UserError, describeError } from '../shared/errors.ts';
import { HOUR, formatTime } from '../core/time.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import type { DiagramOutput, DiagramRenderer } from '../jobs/service/diagram.ts';
import { diagramFrame } from '../jobs/service/diagram.ts';
import type { ServiceStatus } from '../jobs/service/health.ts';
import type { Signaler } from '../jobs/service/signaler.ts';

export interface ServiceBotDeps {
  config: Config;
  /** The service's clock: simulated in replay, so "closed N min ago" reads as it would live. */
  now?: () => number;
  signaler: Signaler;
  /** The full status of the running service (health.ts). */
  status: () => ServiceStatus;
  /** Names of the score columns the notifications use (first = the score). */
  scoreColumns: string[];
  render?: DiagramRenderer;
  /** The configured diagram (thresholds, resampling); /chart falls back to 5-minute bars. */
  diagram?: DiagramOutput;
  thresholds?: number[];
  trader?: TraderControl;
  train?: (progress: ProgressReporter, signal: AbortSignal) => Promise<JobResult>;
  download?: (progress: ProgressReporter, signal: AbortSignal) => Promise<JobResult>;
  backtest?: (request: BacktestRequest, progress: ProgressReporter, signal: AbortSignal) => Promise<JobResult>;
  logs?: (n: number) => string[];
  /** /reload: re-read the config file and reload the models (reload.ts). */
  reload?: () => Promise<string>;
}

/** The running service as the bot sees it (src/bot/services.ts): /score, /status, /chart, /train … */
export function serviceBotServices(deps: ServiceBotDeps): BotServices {
  const { config, signaler } = deps;
  const services: BotServices = {
    config,
    ...(deps.now ? { now: deps.now } : {}),
    async latestScore(): Promise<LatestScore | null> {
      const h = signaler.health();
      const [first, second] = deps.scoreColumns;
      const score = first === undefined ? undefined : h.lastValues[first];
      if (h.lastBarTime === null || h.lastClose === null || score === undefined || !Number.isFinite(score)) return null;
      const s2 = second === undefined ? undefined : h.lastValues[second];
      const trainedAt = deps.status().models.trainedAt;
      return {
        symbol: config.symbol,
        freq: config.freq,
        time: h.lastBarTime,
        close: h.lastClose,
        score,
        score2: s2 !== undefined && Number.isFinite(s2) ? s2 : undefined,
        modelTrainedAt: trainedAt ?? undefined,
      };
    },

    async status(): Promise<BotStatus> {
      const s = deps.status();
      return {
        lastCandleTime: s.lastBarTime ?? undefined,
        lagMs: s.lagMs ?? undefined,
        models: s.models.names.map((name) => ({ name, trainedAt: s.models.trainedAt ?? undefined })),
        tradingMode: s.tradingMode as BotStatus['tradingMode'],
        cycle: {
          venue: s.venue,
          source: s.source,
          lastTick: s.lastTick,
          ticks: s.ticks,
          skippedTicks: s.skippedTicks,
          latest: s.lastValues,
          retraining: s.models.retraining,
          lastRetrain: s.models.lastRetrain,
          warnings: s.warnings,
        },
      };
    },

    async chart(hours: number): Promise<ChartImage> {
      if (!deps.render) throw new UserError('charts are not available in this process');
      if (!(hours > 0)) throw new UserError('the chart needs a positive number of hours, e.g. /chart 24');
      const recent = signaler.recent.toFrame();
      if (!recent.length) throw new UserError('there are no bars to draw yet');
      const from = recent.time[recent.length - 1]! - hours * HOUR;
      const bars = recent.slice(recent.lowerBound(from));
      const base = deps.diagram?.data();
      const scoreColumn = base?.scoreColumn ?? deps.scoreColumns[0] ?? '';
      const resampling = signaler.freq.ms * 600 < hours * HOUR ? { ...signaler.freq, ms: Math.ceil((hours * HOUR) / 300 / signaler.freq.ms) * signaler.freq.ms, alias: 'auto' } : signaler.freq;
      const frame = diagramFrame(bars, scoreColumn, resampling, 10_000, []);
      const png = await deps.render({
        title: base?.title ?? config.symbol,
        frame,
        scoreColumn,
        thresholds: base?.thresholds ?? deps.thresholds ?? [],
      });
      const last = recent.time[recent.length - 1]!;
      return { png, caption: `${config.symbol} ${config.freq} · last ${hours} h up to ${formatTime(last)} UTC` };
    },
    logs: deps.logs ? async (n: number) => deps.logs!(n) : undefined,
    reload: deps.reload,
  };
  if (deps.trader) services.trader = deps.trader;
  if (deps.train) services.train = deps.train;
  if (deps.download) services.download = deps.download;
  if (deps.backtest) services.backtest = deps.backtest;
  if (!deps.logs) delete services.logs;
  if (!deps.reload) delete services.reload;
  return services;
}

/**
 * The bot's services of a whole process: a process of one symbol offers that symbol's; a process
 * of several offers each symbol's under `symbols`, the trading of their shared account (`trader`:
 * /trade, /trades, /profit, /balance name a symbol or cover them all), /download of every symbol
 * (one job, a line per symbol), /reload of every symbol, and the logs.
 */
export function processBotServices(symbols: ReadonlyArray<{ symbol: string; services: BotServices }>, account?: TraderControl): BotServices {
  if (symbols.length === 1) return symbols[0]!.services;
  const first = symbols[0]!.services;
  const downloads = symbols.filter((s) => s.services.download).map((s): [string, SymbolJob] => [s.symbol, (p, signal) => s.services.download!(p, signal)]);
  const reloads = symbols.filter((s) => s.services.reload);
  const services: BotServices = { symbols: new Map(symbols.map((s) => [s.symbol, s.services])) };
  if (account) services.trader = account;
  if (first.now) services.now = first.now;
  if (first.logs) services.logs = first.logs;
  if (downloads.length) services.download = (progress, signal) => eachSymbolJob(downloads, progress, signal);
  if (reloads.length) {
    services.reload = async () => {
      const lines: string[] = [];
      for (const s of reloads) lines.push(`${s.symbol}: ${await s.services.reload!().catch((e: unknown) => `failed: ${describeError(e)}`)}`);
      return lines.join('\n');
    };
  }
  return services;
}
