import { Api, Bot, GrammyError, type BotConfig } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { conversations, createConversation } from '@grammyjs/conversations';
import type { Config } from '../config/schema.ts';
import { UserError, describeError, isUserError } from '../core/errors.ts';
import { log as rootLog, maskSecrets, registerSecret, type Logger } from '../log.ts';
import { ALL_COMMANDS } from '../commands/index.ts';
import { settingsButtons } from '../commands/settings.ts';
import { LIVE_CONVERSATION, liveTradingConversation } from '../commands/trade.ts';
import type { BotCommandDef } from '../commands/types.ts';
import { appendAudit } from './audit.ts';
import { Confirmations } from './confirm.ts';
import type { BotContext, BotRuntime } from './context.ts';
import { Outbox } from './outbox.ts';
import { JobSlots } from './progressMessage.ts';
import { Publisher } from './publisher.ts';
import { rateLimitMiddleware } from './rateLimit.ts';
import { rolesMiddleware } from './roles.ts';
import { SendLimiter, type SendLimits } from './sendLimiter.ts';
import type { BotServices } from './services.ts';
import { openBotState, type BotStateStore } from './state.ts';
import type { StateFileReport } from '../storage/jsonStore.ts';
import { throttleTransformer } from './throttle.ts';

/** The bot's persistent state: subscribers, audit, score bands (lowdb) and the outbox journal. */
export interface BotStore {
  state: BotStateStore;
  outbox: Outbox;
}

/** `report` hears of a damaged bot-state.json (default: a log line). */
export async function openBotStore(folder: string, report?: StateFileReport): Promise<BotStore> {
  return { state: await openBotState(folder, report), outbox: Outbox.open(folder) };
}

export interface BotDeps {
  config: Config;
  store: BotStore;
  services?: BotServices;
  log?: Logger;
  /** Sending limits (tests scale them); default Telegram's, with a margin. */
  limits?: SendLimits;
  /** Outbox deliveries in flight at once. */
  concurrency?: number;
  /** Minimum ms between edits of a progress message (default 2000). */
  progressEditMs?: number;
  /** How long a confirmation stays valid (default telegram.confirm_seconds). */
  confirmMs?: number;
  /** Abort an API request after this many seconds (default 60; must exceed the poll timeout). */
  requestTimeoutSeconds?: number;
  /** Skips getMe at start (the terminal transport and tests know the bot). */
  botInfo?: UserFromGetMe;
}

export interface ItbBot {
  bot: Bot<BotContext>;
  /** The API client of broadcasts (strict per-chat throttling); the terminal transport answers it too. */
  broadcastApi: Api;
  publisher: Publisher;
  runtime: BotRuntime;
  limiter: SendLimiter;
  /** Treats this user id as an admin too (the terminal's local user). */
  addLocalAdmin(userId: number): void;
  /** Publishes the command menus: user commands for everyone, all commands in each admin's chat. */
  setCommands(): Promise<void>;
  /** Starts delivering queued broadcasts. */
  startOutbox(): void;
  /** Long-polls Telegram (through telegram.api_root when set) with @grammyjs/runner. */
  startPolling(options?: { pollTimeoutSeconds?: number }): Promise<void>;
  /** Stops polling, jobs and the outbox (in-flight sends finish and are recorded). */
  stop(): Promise<void>;
}

/** Placeholder token of the terminal transport: every API call is answered in-process. */
export const LOCAL_TOKEN = '0:local-terminal';

/**
 * Builds the Telegram bot: roles, rate limit, confirmations, the live-trading conversation, one
 * handler per command, a publisher with its outbox, throttling and retries in the API client.
 * The same bot runs on real Telegram (startPolling) or the terminal (startTerminalChat).
 */
export function createBot(deps: BotDeps): ItbBot {
  const { config, store } = deps;
  const log = deps.log ?? rootLog();
  const token = config.telegram.token || LOCAL_TOKEN;
  registerSecret(config.telegram.token);
  registerSecret(config.exchange.api_key);
  registerSecret(config.exchange.api_secret);

  const botConfig: BotConfig<BotContext> = {
    client: {
      ...(config.telegram.api_root ? { apiRoot: config.telegram.api_root.replace(/\/+$/, '') } : {}),
      timeoutSeconds: deps.requestTimeoutSeconds ?? 60,
    },
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
  };
  const bot = new Bot<BotContext>(token, botConfig);
  const limiter = new SendLimiter(deps.limits);
  // Throttle first (inner), retry around it: every retry waits for its turn too. Broadcasts
  // go through their own API client, held to the strict per-chat limit; replies may burst.
  const broadcastApi = new Api(token, botConfig.client);
  broadcastApi.config.use(throttleTransformer(limiter));
  broadcastApi.config.use(autoRetry({ maxRetryAttempts: 4, maxDelaySeconds: 30 }));
  bot.api.config.use(throttleTransformer(limiter, true));
  bot.api.config.use(autoRetry({ maxRetryAttempts: 4, maxDelaySeconds: 30 }));

  const localAdmins = new Set<number>();
  const admins = new Set(config.telegram.admins);
  const confirmMs = deps.confirmMs ?? config.telegram.confirm_seconds * 1000;
  const confirmations = new Confirmations(confirmMs);
  const publisher = new Publisher(config, store.state, store.outbox, log);
  const runtime: BotRuntime = {
    config,
    state: store.state,
    services: deps.services ?? {},
    publisher,
    confirmations,
    jobs: new JobSlots(),
    commands: ALL_COMMANDS,
    log,
    startedAt: Date.now(),
    progressEditMs: deps.progressEditMs ?? 2000,
    isAdmin: (id) => id !== undefined && (admins.has(id) || localAdmins.has(id)),
    adminIds: () => [...new Set([...admins, ...localAdmins])],
    audit: async (ctx, command, outcome, detail) => {
      const entry = await appendAudit(store.state, ctx, command, outcome, detail && maskSecrets(detail));
      log.info({ audit: entry }, 'audit');
    },
  };

  // The runner handles updates concurrently; within one chat they must run in order (a button
  // pressed right after a question must find the question's conversation waiting).
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  bot.use((ctx, next) => {
    ctx.itb = runtime;
    return next();
  });
  bot.use(rolesMiddleware());
  bot.use(rateLimitMiddleware(config.telegram.rate_limit_per_minute));
  bot.use(confirmations.middleware());
  bot.use(conversations());
  bot.use(createConversation(liveTradingConversation(runtime, confirmMs), { id: LIVE_CONVERSATION, maxMillisecondsToWait: confirmMs }));
  bot.use(settingsButtons());

  for (const cmd of ALL_COMMANDS) bot.command(cmd.name, (ctx) => dispatch(ctx, cmd));

  // A press on a live-trading question whose conversation ended (expired, or the bot restarted).
  bot.callbackQuery(/^live:/, async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'This confirmation has expired; nothing was done.' });
    await runtime.audit(ctx, '/trade live', 'expired');
    try {
      await ctx.editMessageReplyMarkup({ reply_markup: undefined });
    } catch {
      /* already without buttons */
    }
  });
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: 'This button is out of date.' }));
  bot.on('message:text', async (ctx) => {
    if (ctx.chat.type !== 'private') return;
    const word = ctx.message.text.split(/\s/)[0]!;
    await ctx.reply(word.startsWith('/') ? `Unknown command ${word}; send /help for the list.` : 'I answer commands; send /help for the list.');
  });

  bot.catch(async (err) => {
    const e = err.error;
    log.error({ err: maskSecrets(describeError(e)), update: err.ctx.update.update_id }, 'bot handler failed');
    if (e instanceof GrammyError && e.error_code === 403) return;
    try {
      if (err.ctx.chat) await err.ctx.reply('Sorry, something went wrong while answering; the error is logged.');
    } catch {
      /* the chat may be unreachable */
    }
  });

  async function dispatch(ctx: BotContext, cmd: BotCommandDef): Promise<void> {
    const args = typeof ctx.match === 'string' ? ctx.match.split(/\s+/).filter(Boolean) : [];
    const label = `/${cmd.name}${args.length ? ` ${args.join(' ')}` : ''}`;
    if (cmd.role === 'admin' && !ctx.isAdmin) {
      await ctx.reply(`Sorry, /${cmd.name} is for this bot's admins only. Send /help to see what you can do.`);
      await runtime.audit(ctx, label, 'refused');
      return;
    }
    try {
      await cmd.run(ctx, args);
      if (cmd.role === 'admin') await runtime.audit(ctx, label, 'done', cmd.startsJob ? 'started' : undefined);
    } catch (e) {
      if (!isUserError(e)) log.error({ err: maskSecrets(describeError(e)), command: cmd.name }, 'command failed');
      const text = isUserError(e) ? e.message : `/${cmd.name} failed: ${describeError(e)}`;
      await ctx.reply(maskSecrets(text));
      if (cmd.role === 'admin') await runtime.audit(ctx, label, 'failed', describeError(e));
    }
  }

  let runner: RunnerHandle | null = null;
  let outboxStarted = false;

  const itb: ItbBot = {
    bot,
    broadcastApi,
    publisher,
    runtime,
    limiter,
    addLocalAdmin(userId) {
      localAdmins.add(userId);
    },
    async setCommands() {
      const menu = (list: readonly BotCommandDef[]) => list.map((c) => ({ command: c.name, description: c.summary }));
      await bot.api.setMyCommands(menu(ALL_COMMANDS.filter((c) => c.role === 'user')), { scope: { type: 'default' } });
      for (const id of new Set([...admins, ...localAdmins])) {
        try {
          await bot.api.setMyCommands(menu(ALL_COMMANDS), { scope: { type: 'chat', chat_id: id } });
        } catch (e) {
          // An admin who never opened a chat with the bot cannot get a menu yet.
          log.warn({ admin: id, err: describeError(e) }, 'admin command menu not set');
        }
      }
    },
    startOutbox() {
      if (outboxStarted) return;
      outboxStarted = true;
      store.outbox.start(publisher.deliverWith(broadcastApi), { concurrency: deps.concurrency ?? 16 });
    },
    async startPolling(options = {}) {
      if (!config.telegram.token) {
        throw new UserError('telegram.token is empty: set TELEGRAM_BOT_TOKEN (or telegram.token) to run the Telegram bot, or use the terminal chat.');
      }
      await bot.init();
      await itb.setCommands();
      itb.startOutbox();
      runner = run(bot, { runner: { fetch: { timeout: options.pollTimeoutSeconds ?? 30 }, silent: true } });
    },
    async stop() {
      if (runner?.isRunning()) await runner.stop();
      runner = null;
      runtime.jobs.cancelAll();
      await runtime.jobs.settled();
      confirmations.stop();
      await store.outbox.stop();
      outboxStarted = false;
      await store.state.write();
    },
  };
  return itb;
}
