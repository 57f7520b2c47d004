import path from 'node:path';
import { GrammyError } from 'grammy';
import { PassThrough } from 'node:stream';
import { createBot, openBotStore, type ItbBot } from '../../bot/createBot.ts';
import type { BotServices } from '../../bot/services.ts';
import type { SendLimits } from '../../bot/sendLimiter.ts';
import { botStateFolder } from '../../bot/state.ts';
import { startTerminalChat, type TerminalChat } from '../../bot/terminal.ts';
import { UserError, describeError } from '../../core/errors.ts';
import { openTrader } from '../../core/trader/openTrader.ts';
import type { StateFileReport } from '../../storage/jsonStore.ts';
import type { Trader } from '../../core/trader/trader.ts';
import type { JobContext } from '../context.ts';
import { serviceBotServices } from './botServices.ts';
import type { DiagramTransaction } from './diagram.ts';
import { renderDiagram } from './diagramRenderer.ts';
import { ConsolePublisher } from './outputs/consolePublisher.ts';
import { TraderOutput, parseTraderOutputConfig } from './outputs/traderOutput.ts';
import { botChannel, type OutputParts } from './parts.ts';
import type { AdminNotifier, ChannelPublisher } from './ports.ts';
import type { Retrainer } from './retrain.ts';
import { readScoredBars } from './scoredBars.ts';
import type { ServiceHandle } from './service.ts';

/** Everything around the cycle in a running service: channel, admins, trader, charts, the bot. */
export interface ProcessParts extends OutputParts {
  admins: AdminNotifier;
  tradingMode: () => string;
  /** Connects the bot's commands to the warmed-up service and starts the bot. */
  attach(service: ServiceHandle, retrainer: Retrainer, reload?: () => Promise<string>): Promise<void>;
  bot: ItbBot | null;
  /** Resolves when the person closes the terminal chat (never without one). */
  chatClosed: Promise<void>;
  /** Waits (at most `ms`) until queued posts are delivered; what is left stays in the outbox journal. */
  drain(ms: number): Promise<void>;
  /** Resolves when the long jobs started from the chat (/backtest, /train, …) have ended. */
  jobsSettled(): Promise<void>;
  /** Messages in the outbox not yet delivered (queued or in flight). */
  unsent(): number;
}

export type TerminalChatMode = 'off' | 'interactive' | 'piped';

export interface ProcessPartsOptions {
  mode: 'serve' | 'start';
  /** `npm start`: whether the terminal chat reads stdin (see RunServiceOptions). */
  terminalChat: TerminalChatMode;
  /** The state folder (charts written there when there is no Telegram). */
  folder: string;
  /** The service's clock (simulated in replay). */
  clock: () => number;
  /** Telegram sending limits (tests scale them up). */
  botLimits?: SendLimits;
  /** The service's recent log lines (/logs). */
  logs?: (n: number) => string[];
  /** Hears of a damaged state file (bot-state.json, trader.json). */
  stateReport?: StateFileReport;
}

/**
 * The parts of this process. With a Telegram token: the real bot (long polling) whose publisher
 * is the channel. `npm start` without a token: the same bot on the terminal transport, so channel
 * posts are printed and a person can chat. `itb serve` without a token: posts are printed, no bot.
 */
export async function openProcessParts(ctx: JobContext, o: ProcessPartsOptions): Promise<ProcessParts> {
  const { config, log } = ctx;
  // The trader tells the admins from start() on (in attach), when `admins` below exists.
  const { trader, control } = await openTrader(config, { clock: o.clock, log, stateReport: o.stateReport, tellAdmins: (text) => admins.notifyAdmins(text) });
  const services: BotServices = {};
  let bot: ItbBot | null = null;
  let chat: TerminalChat | null = null;
  const useBot = !!config.telegram.token || o.mode === 'start';
  if (useBot) {
    const botConfig = config.telegram.token || config.telegram.channel !== '' ? config : { ...config, telegram: { ...config.telegram, channel: 'channel' } };
    bot = createBot({ config: botConfig, store: await openBotStore(botStateFolder(config), o.stateReport), services, log, limits: o.botLimits });
  }
  const publisher: ChannelPublisher = bot ? botChannel(bot) : new ConsolePublisher(path.join(o.folder, 'charts'));
  // The person at the terminal chat is an admin: they see what admins are told.
  const terminalUser = !config.telegram.token && bot ? (config.telegram.admins[0] ?? 1) : null;
  const admins: AdminNotifier = {
    notifyAdmins: async (text) => {
      log.warn(`to admins: ${text}`);
      if (!bot) return;
      const ids = [...new Set(terminalUser === null ? config.telegram.admins : [terminalUser])];
      if (ids.length) bot.publisher.outbox.enqueue(ids.map((chatId) => ({ chatId, kind: 'text' as const, text, topic: 'admin' })));
    },
  };
  let chatClosed: Promise<void> = new Promise<void>(() => {});

  return {
    publisher,
    admins,
    bot,
    get chatClosed() {
      return chatClosed;
    },
    render: (data) => renderDiagram(data),
    trader: (generator, raw) => new TraderOutput(generator, parseTraderOutputConfig(raw), trader, publisher, log),
    transactions: () => transactionsOf(trader),
    tradingMode: () => trader.mode,
    async attach(service: ServiceHandle, retrainer: Retrainer, reload?: () => Promise<string>) {
      for (const note of await trader.start()) log.info(`trader: ${note}`);
      Object.assign(
        services,
        serviceBotServices({
          config,
          now: o.clock,
          signaler: service.signaler,
          status: () => service.status(),
          scoreColumns: scoreColumnsOf(config),
          render: (data) => renderDiagram(data),
          diagram: service.diagram,
          trader: control,
          logs: o.logs,
          reload,
          // signals.csv continued by the bars this service scored, cut at its clock: a replay's
          // /backtest never sees a candle the replay has not shown yet.
          backtest: async (request, progress, signal) => {
            const { backtestJob } = await import('../backtest.ts');
            const r = await backtestJob(config, request, progress, signal, {
              until: o.clock(),
              scoredAfter: (after, columns) => readScoredBars(o.folder, columns, after),
            });
            return { summary: r.summary, png: r.png };
          },
          download:
            config.venue === 'replay'
              ? undefined
              : async (progress, signal) => {
                  const { run } = await import('../download.ts');
                  await run({ ...ctx, progress, signal });
                  return { summary: `${config.symbol} ${config.freq} klines are up to date in ${config.data_folder}.` };
                },
          train: async (progress, signal) => {
            const r = await retrainer.run(progress, signal);
            return { summary: `New models in use, trained on ${r.rows} rows in ${r.seconds.toFixed(0)} s.`, metrics: Object.fromEntries(r.models.models.map((m) => [m.scoreColumn, m.manifest.metrics])) };
          },
        }),
      );
      if (!bot) return;
      if (config.telegram.token) {
        await checkTelegram(bot, config.telegram.api_root);
        await bot.startPolling();
        log.info('Telegram bot started');
      } else {
        const input = o.terminalChat === 'off' ? new PassThrough() : process.stdin;
        chat = await startTerminalChat(bot, { input, output: process.stdout, photoDir: path.join(o.folder, 'terminal-photos'), userId: terminalUser ?? undefined, greet: o.terminalChat !== 'off' });
        chatClosed = chat.closed;
      }
    },
    async drain(ms: number) {
      if (!bot || !bot.publisher.outbox.pending) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([bot.publisher.outbox.idle(), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
      clearTimeout(timer);
    },
    async jobsSettled() {
      await bot?.runtime.jobs.settled();
    },
    unsent: () => bot?.publisher.outbox.pending ?? 0,
    async close() {
      chat?.close();
      await bot?.stop().catch((e: unknown) => log.error(`stopping the bot: ${describeError(e)}`));
    },
  };
}

/** How long start-up waits for Telegram to answer before giving up. */
const TELEGRAM_CHECK_MS = 15_000;

/**
 * One getMe with a deadline before polling starts: the API client retries network errors
 * forever, so an unreachable Telegram or a refused token would otherwise hang start-up silently.
 */
async function checkTelegram(bot: ItbBot, apiRoot: string): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), TELEGRAM_CHECK_MS);
  try {
    await bot.bot.api.getMe(ac.signal as Parameters<typeof bot.bot.api.getMe>[0]);
  } catch (e) {
    if (ac.signal.aborted) {
      throw new UserError(`Telegram did not answer within ${TELEGRAM_CHECK_MS / 1000} s at ${apiRoot || 'https://api.telegram.org'} (check the network or TELEGRAM_API_ROOT)`);
    }
    if (e instanceof GrammyError) throw new UserError(`Telegram refused the bot (${e.error_code}: ${e.description}): check TELEGRAM_BOT_TOKEN`);
    throw new UserError(`Telegram could not be reached: ${describeError(e)} (check the network or TELEGRAM_API_ROOT)`);
  } finally {
    clearTimeout(timer);
  }
}

function scoreColumnsOf(config: JobContext['config']): string[] {
  const score = config.output_sets.find((o) => o.generator === 'score_notification_model');
  const cols = score?.config?.score_column_names;
  if (typeof cols === 'string') return [cols];
  if (Array.isArray(cols)) return cols.filter((c): c is string => typeof c === 'string');
  return [];
}

/** The trader's executions as diagram markers. */
function transactionsOf(trader: Trader): DiagramTransaction[] {
  return trader.executions(500).map((e) => ({ time: e.time, side: e.side === 'buy' ? 'BUY' : 'SELL' }));
}
