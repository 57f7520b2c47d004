import path from 'node:path';
import { GrammyError } from 'grammy';
import { PassThrough } from 'node:stream';
import { buildBot, openBotStore, type BotDeps, type ItbBot } from '../bot/createBot.ts';
import type { BotServices } from '../bot/services.ts';
import type { SendLimits } from '../bot/sendLimiter.ts';
import { startTerminalChat, type TerminalChat } from '../bot/terminal.ts';
import { botCommands } from '../commands/index.ts';
import { botStateFolder } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { normalizeSymbol } from '../config/symbolNames.ts';
import { moveToSymbols } from '../bot/subscriptions.ts';
import { symbolTag } from '../bot/symbols.ts';
import { UserError, describeError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { StateFileReport } from '../storage/jsonStore.ts';
import { ConsolePublisher } from '../jobs/service/outputs/consolePublisher.ts';
import type { AdminNotifier, ChannelPublisher } from '../jobs/service/ports.ts';

/** The bot of this process: the bot layer's machinery with the commands layer's commands installed. */
export function createBot(deps: Omit<BotDeps, 'commands'>): ItbBot {
  return buildBot({ ...deps, commands: botCommands() });
}

/**
 * The bot's publisher as one symbol's outputs' channel: score bands decided by the bot (with
 * subscribers' settings). Post keys of a symbol other than the bot's own carry its name, so two
 * symbols' posts of one bar are two posts.
 */
function botChannel(bot: ItbBot, symbol: string): ChannelPublisher {
  const p = bot.publisher;
  const own = symbol === bot.runtime.config.symbol;
  const key = (k: string | undefined) => (k === undefined || own ? k : `${symbol}/${k}`);
  return {
    publish: async (text, options) => void p.publishText(text, { markdown: true, key: key(options?.key), symbol }),
    publishPhoto: async (png, caption, options) => void p.publishDiagram(png, caption, { key: key(options?.key), symbol }),
    publishScore: async (notifier, bar) => void (await p.publishScore(notifier, bar, symbol)),
  };
}

/** The console's channel for one symbol of several: its posts and captions start with its tag. */
function taggedChannel(channel: ChannelPublisher, tag: string): ChannelPublisher {
  if (!tag) return channel;
  return {
    publish: (text, options) => channel.publish(tag + text, options),
    publishPhoto: (png, caption, options) => channel.publishPhoto(png, caption && tag + caption, options),
  };
}

/** A symbol's channel: its entry in `telegram.channels` (its config's, then the bot's), else its config's `channel`, else the bot's. */
export function channelOf(bot: Config, symbolConfig: Config): string | number {
  const mapped = (m: Record<string, string | number>) => Object.entries(m).find(([k]) => normalizeSymbol(k) === symbolConfig.symbol)?.[1];
  return mapped(symbolConfig.telegram.channels) ?? mapped(bot.telegram.channels) ?? (symbolConfig.telegram.channel !== '' ? symbolConfig.telegram.channel : bot.telegram.channel);
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
  /** Where the bot keeps its state (subscribers, outbox, audit); default: the config's state folder. */
  botFolder?: string;
  /**
   * Every symbol's config when the process serves several (the first is `config`'s symbol): each
   * gets its channel and its tag in posts, and subscribers of a bot of one symbol follow the first.
   */
  symbols?: Config[];
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
  /** The channel of the first symbol's outputs (the only one of a process of one symbol). */
  publisher: ChannelPublisher;
  /** The channel of a symbol's outputs. */
  publisherFor(symbol: string): ChannelPublisher;
  /**
   * Runs one tick of every symbol with its score posts held back, then sends them: a chat that
   * would get more than `telegram.digest_above` of them gets one digest post (several symbols).
   */
  tickBatch<T>(tick: () => Promise<T>): Promise<T>;
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
  const symbols = o.symbols ?? [config];
  const several = symbols.length > 1;
  if (config.telegram.token || o.withoutToken === 'terminal') {
    const botConfig = config.telegram.token || config.telegram.channel !== '' ? config : { ...config, telegram: { ...config.telegram, channel: 'channel' } };
    const store = await openBotStore(o.botFolder ?? botStateFolder(config), o.stateReport);
    if (several) {
      const moved = moveToSymbols(store.state, config.symbol);
      if (moved) {
        log.info(`${moved} subscriber(s) of the ${config.symbol} bot now follow ${config.symbol} among ${symbols.length} symbols (/subscribe SYMBOL adds others)`);
        await store.state.write();
      }
    }
    bot = createBot({ config: botConfig, store, services, log, limits: o.limits });
    for (const c of symbols) bot.publisher.addSymbol({ config: c, tag: several ? symbolTag(c.symbol) : '', channel: channelOf(botConfig, c) });
  }
  const printed = new ConsolePublisher(path.join(o.folder, 'charts'));
  const channels = new Map(symbols.map((c) => [c.symbol, bot ? botChannel(bot, c.symbol) : taggedChannel(printed, several ? symbolTag(c.symbol) : '')]));
  const publisherFor = (symbol: string): ChannelPublisher => {
    const channel = channels.get(symbol);
    if (!channel) throw new Error(`no symbol ${symbol} in this process`);
    return channel;
  };
  const publisher = publisherFor(config.symbol);
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
    publisherFor,
    async tickBatch(tick) {
      const batch = bot?.publisher.openBatch() ?? null;
      try {
        return await tick();
      } finally {
        await bot?.publisher.closeBatch(batch);
      }
    },
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
