import path from 'node:path';
import { GrammyError } from 'grammy';
import { PassThrough } from 'node:stream';
import { buildBot, openBotStore, type BotDeps, type ItbBot } from '../bot/createBot.ts';
import type { BotServices } from '../bot/services.ts';
import type { SendLimits } from '../bot/sendLimiter.ts';
import { startTerminalChat, type TerminalChat } from '../bot/terminal.ts';
import { botCommands } from '../commands/index.ts';
import { stateFolder } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UserError, describeError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { StateFileReport } from '../storage/jsonStore.ts';
import { ConsolePublisher } from '../jobs/service/outputs/consolePublisher.ts';
import type { AdminNotifier, ChannelPublisher } from '../jobs/service/ports.ts';

/** The bot of this process: the bot layer's machinery with the commands layer's commands installed. */
export function createBot(deps: Omit<BotDeps, 'commands'>): ItbBot {
  return buildBot({ ...deps, commands: botCommands() });
}

/** The bot's publisher as the outputs' channel: score bands decided by the bot (with subscribers' settings). */
function botChannel(bot: ItbBot): ChannelPublisher {
  const p = bot.publisher;
  return {
    publish: async (text, options) => void p.publishText(text, { markdown: true, key: options?.key }),
    publishPhoto: async (png, caption, options) => void p.publishDiagram(png, caption, { key: options?.key }),
    publishScore: async (notifier, bar) => void (await p.publishScore(notifier, bar)),
  };
}

export type TerminalChatMode = 'off' | 'interactive' | 'piped';

export interface ProcessBotOptions {
  /**
   * Without a Telegram token: 'terminal' runs the same bot on the terminal transport (npm start:
   * channel posts printed, a person may chat); 'console' prints the posts and has no bot.
   */
  withoutToken: 'terminal' | 'console';
  /** The folder of the state files (charts and terminal photos are written there). */
  folder: string;
  log: Logger;
  /** Telegram sending limits (tests scale them up). */
  limits?: SendLimits;
  /** Hears of a damaged bot-state.json. */
  stateReport?: StateFileReport;
}

/**
 * Where this process meets people: the Telegram bot (with a token), the same bot in the terminal,
 * or the console. It is the channel the outputs post to and the way admins are told things.
 */
export interface ProcessBot {
  bot: ItbBot | null;
  publisher: ChannelPublisher;
  admins: AdminNotifier;
  /** Resolves when the person closes the terminal chat (never without one). */
  chatClosed: Promise<void>;
  /** Hands the bot what the running process offers (/score, /status, /train …) and starts it: polling, or the terminal chat reading `terminalChat`'s input. */
  start(services: BotServices, terminalChat: TerminalChatMode): Promise<void>;
  /** Starts delivering queued posts without answering anyone (one-shot runs). */
  startOutbox(): void;
  /** Waits (at most `ms`) until queued posts are delivered; what is left stays in the outbox journal. */
  drain(ms: number): Promise<void>;
  /** Resolves when the long jobs started from the chat (/backtest, /train, …) have ended. */
  jobsSettled(): Promise<void>;
  /** Messages in the outbox not yet delivered (queued or in flight). */
  unsent(): number;
  close(): Promise<void>;
}

/**
 * The process's bot. With a Telegram token: the real bot (long polling) whose publisher is the
 * channel. Without one: the bot on the terminal transport, or posts printed and no bot.
 */
export async function openProcessBot(config: Config, o: ProcessBotOptions): Promise<ProcessBot> {
  const { log } = o;
  const services: BotServices = {};
  let bot: ItbBot | null = null;
  let chat: TerminalChat | null = null;
  if (config.telegram.token || o.withoutToken === 'terminal') {
    const botConfig = config.telegram.token || config.telegram.channel !== '' ? config : { ...config, telegram: { ...config.telegram, channel: 'channel' } };
    bot = createBot({ config: botConfig, store: await openBotStore(stateFolder(config), o.stateReport), services, log, limits: o.limits });
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
    bot,
    publisher,
    admins,
    get chatClosed() {
      return chatClosed;
    },
    async start(offered, terminalChat) {
      Object.assign(services, offered);
      if (!bot) return;
      if (config.telegram.token) {
        await checkTelegram(bot, config.telegram.api_root);
        await bot.startPolling();
        log.info('Telegram bot started');
      } else {
        const input = terminalChat === 'off' ? new PassThrough() : process.stdin;
        chat = await startTerminalChat(bot, { input, output: process.stdout, photoDir: path.join(o.folder, 'terminal-photos'), userId: terminalUser ?? undefined, greet: terminalChat !== 'off' });
        chatClosed = chat.closed;
      }
    },
    startOutbox() {
      bot?.startOutbox();
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
