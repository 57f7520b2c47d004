import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback fake of the Telegram Bot API (https://core.telegram.org/bots/api) for tests:
 * long-polling getUpdates with offset/timeout, sendMessage, editMessageText, sendPhoto
 * (multipart), answerCallbackQuery, setMyCommands, getMe, and injected failures (429 with
 * retry_after, 403 blocked, 5xx, timeouts before delivery, and a send delivered whose answer
 * never comes or comes too late). It records every send attempt with its arrival time so tests
 * can measure the rates a bot really produced.
 */

export interface FakeUser {
  id: number;
  first_name: string;
  username?: string;
}

export interface FakeMessage {
  message_id: number;
  chat_id: number | string;
  text?: string;
  caption?: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard?: { text: string; callback_data?: string }[][] };
  photoBytes?: number;
  /** Sent with disable_notification. */
  silent?: boolean;
  /** Every text this message had, the first one first (editMessageText appends). */
  history: string[];
  time: number;
}

/** One request to a sending method, delivered or refused. */
export interface SendAttempt {
  method: string;
  chat_id: string;
  time: number;
  /** `accepted-unanswered`: delivered (it is in `messages`), but the bot got no answer in time. */
  outcome: 'ok' | '429' | '403' | '5xx' | 'timeout' | '400' | 'accepted-unanswered';
}

/**
 * `timeout`: the request hangs and nothing is delivered. `accept-then-hang`: the message is
 * delivered (recorded like any other) and the answer never comes, or comes after `answerAfterMs`
 * (set it longer than the client's timeout): the case where the bot cannot know it was sent.
 */
export type FailureKind = '429' | '403' | '5xx' | 'timeout' | 'accept-then-hang';

interface Injection {
  kind: FailureKind;
  count: number;
  method?: string;
  chatId?: string;
  retryAfter?: number;
  /** Matching sends let through before this injection applies (default 0). */
  after?: number;
  /** accept-then-hang: answer after this many ms instead of never. */
  answerAfterMs?: number;
}

const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'editMessageText', 'sendDocument', 'editMessageReplyMarkup', 'sendChatAction']);

export interface FakeTelegram {
  /** Base URL to use as apiRoot / TELEGRAM_API_ROOT. */
  apiRoot: string;
  token: string;
  botUser: FakeUser & { is_bot: true };
  /** Messages the bot sent, by message id order. */
  messages: FakeMessage[];
  attempts: SendAttempt[];
  /** Arguments of every setMyCommands call. */
  commandSets: { commands: { command: string; description: string }[]; scope?: Record<string, unknown> }[];
  answeredCallbacks: { id: string; text?: string }[];
  /** Counts of every method called. */
  calls: Map<string, number>;
  /** Queues an update as if a user typed `text` in their private chat; returns the update id. */
  userSays(user: FakeUser, text: string): number;
  /** Queues a callback query for a button of a message the bot sent. */
  pressButton(user: FakeUser, message: FakeMessage, data: string): string;
  inject(injection: Omit<Injection, 'chatId'> & { chatId?: string | number }): void;
  /** Every sendMessage to this chat answers 403 "bot was blocked by the user" from now on. */
  block(chatId: number | string): void;
  /** A fraction of sends answer 429 with this retry_after (deterministic sequence). */
  randomTooManyRequests(fraction: number, retryAfter: number): void;
  /**
   * While on, every request hangs without an answer (sends are recorded as timeouts), as an
   * unreachable server. With `from`, it turns so at the first request of that method (which hangs too).
   */
  setUnreachable(on: boolean, options?: { from?: string }): void;
  /** Messages in one chat, oldest first. */
  chat(chatId: number | string): FakeMessage[];
  /** Resolves when a message in the chat satisfies the predicate (checked also after edits). */
  waitForMessage(chatId: number | string, pred: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  /** Resolves when the predicate on the fake holds. */
  waitUntil(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** The largest number of attempts (any outcome) that fell in any window of `windowMs`. */
  maxInWindow(windowMs: number, filter?: (a: SendAttempt) => boolean): number;
  /** The largest per-chat count in any window of `windowMs`. */
  maxPerChatInWindow(windowMs: number, filter?: (a: SendAttempt) => boolean): number;
  close(): Promise<void>;
}

function maxSliding(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** A small multipart/form-data reader: enough for the Bot API's uploads. */
function parseMultipart(body: Buffer, contentType: string): { name: string; filename?: string; data: Buffer }[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new Error('multipart body without a boundary');
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const chunk = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const headers = chunk.subarray(0, headerEnd).toString('utf8');
    const name = /[;\s]name="?([^";\r\n]*)"?/i.exec(headers)?.[1] ?? '';
    const filename = /filename="?([^";\r\n]*)"?/i.exec(headers)?.[1];
    parts.push({ name, filename, data: chunk.subarray(headerEnd + 4) });
    pos = next;
  }
  return parts;
}

/** Legacy Markdown must have balanced unescaped `*`, `_` and backticks, as Telegram checks. */
function markdownProblem(text: string): string | null {
  const counts: Record<string, number> = { '*': 0, _: 0, '`': 0 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c in counts) counts[c]!++;
  }
  for (const [c, n] of Object.entries(counts)) {
    if (n % 2) return `Bad Request: can't parse entities: Can't find end of the entity starting with "${c}"`;
  }
  return null;
}

export async function startFakeTelegram(options: { token?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456:TEST-TOKEN-abcdef';
  const botUser = { id: 999000, is_bot: true as const, first_name: 'Fake ITB', username: 'fake_itb_bot' };
  const updates: { update_id: number; [k: string]: unknown }[] = [];
  let nextUpdateId = 1;
  let confirmedOffset = 0;
  let nextMessageId = 1;
  const pollers = new Set<() => void>();
  const messages: FakeMessage[] = [];
  const attempts: SendAttempt[] = [];
  const commandSets: FakeTelegram['commandSets'] = [];
  const answeredCallbacks: FakeTelegram['answeredCallbacks'] = [];
  const calls = new Map<string, number>();
  const injections: Injection[] = [];
  const blocked = new Set<string>();
  const watchers = new Set<() => void>();
  let random429: { fraction: number; retryAfter: number; acc: number } | null = null;
  let unreachable = false;
  let unreachableFrom: string | null = null;
  const start = performance.now();

  const notify = () => {
    for (const w of [...watchers]) w();
  };
  const pushUpdate = (u: Record<string, unknown>): number => {
    const update_id = nextUpdateId++;
    updates.push({ update_id, ...u });
    for (const p of [...pollers]) p();
    return update_id;
  };

  const takeInjection = (method: string, chatId: string): Injection | undefined => {
    const i = injections.findIndex((x) => x.count > 0 && (!x.method || x.method === method) && (!x.chatId || x.chatId === chatId));
    if (i < 0) return undefined;
    const inj = injections[i]!;
    if (inj.after) {
      inj.after--;
      return undefined;
    }
    inj.count--;
    if (inj.count <= 0) injections.splice(i, 1);
    return inj;
  };

  async function readParams(req: http.IncomingMessage, url: URL): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const type = req.headers['content-type'] ?? '';
    if (!body.length) return params;
    if (type.includes('application/json')) return { ...params, ...(JSON.parse(body.toString('utf8')) as object) };
    if (type.includes('multipart/form-data')) {
      for (const part of parseMultipart(body, type)) {
        if (part.filename === undefined) {
          const v = part.data.toString('utf8');
          params[part.name] = v.startsWith('{') || v.startsWith('[') ? JSON.parse(v) : v;
        } else {
          params[part.name] = { fileBytes: part.data.length, name: part.filename };
        }
      }
      return params;
    }
    if (type.includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
    }
    return params;
  }

  type Answer = { status: number; body: Record<string, unknown> };
  /** `late`: the answer is held back for `ms` (forever when undefined). */
  type Reply = Answer | 'hang' | { late: Answer; ms?: number };
  const ok = (result: unknown): Answer => ({ status: 200, body: { ok: true, result } });
  const fail = (status: number, description: string, parameters?: Record<string, unknown>): Reply => ({
    status,
    body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
  });

  function handleSend(method: string, p: Record<string, unknown>): Reply {
    const chatId = String(p.chat_id ?? '');
    const time = performance.now() - start;
    const record = (outcome: SendAttempt['outcome']) => attempts.push({ method, chat_id: chatId, time, outcome });
    if (!chatId) {
      record('400');
      return fail(400, 'Bad Request: chat_id is empty');
    }
    const inj = takeInjection(method, chatId);
    let r429: number | undefined;
    if (!inj && random429 && method !== 'sendChatAction') {
      random429.acc += random429.fraction;
      if (random429.acc >= 1) {
        random429.acc -= 1;
        r429 = random429.retryAfter;
      }
    }
    if (inj?.kind === '429' || r429 !== undefined) {
      record('429');
      const retry_after = inj?.retryAfter ?? r429 ?? 1;
      return fail(429, `Too Many Requests: retry after ${retry_after}`, { retry_after });
    }
    if (inj?.kind === '5xx') {
      record('5xx');
      return fail(502, 'Bad Gateway');
    }
    if (inj?.kind === 'timeout') {
      record('timeout');
      return 'hang';
    }
    if (inj?.kind === '403' || blocked.has(chatId)) {
      record('403');
      return fail(403, 'Forbidden: bot was blocked by the user');
    }
    const text = typeof p.text === 'string' ? p.text : undefined;
    const caption = typeof p.caption === 'string' ? p.caption : undefined;
    const parseMode = typeof p.parse_mode === 'string' ? p.parse_mode : undefined;
    const shown = text ?? caption;
    if (method === 'sendMessage' || method === 'editMessageText') {
      if (!text) {
        record('400');
        return fail(400, 'Bad Request: message text is empty');
      }
      if (text.length > 4096) {
        record('400');
        return fail(400, 'Bad Request: message is too long');
      }
    }
    if (shown && parseMode?.toLowerCase() === 'markdown') {
      const problem = markdownProblem(shown);
      if (problem) {
        record('400');
        return fail(400, problem);
      }
    }
    const chatNum = /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
    if (inj?.kind === 'accept-then-hang') {
      const answer = delivered(method, p, chatId, chatNum, time, 'accepted-unanswered');
      return { late: answer, ms: inj.answerAfterMs };
    }
    if (method === 'sendChatAction') {
      record('ok');
      return ok(true);
    }
    if (method === 'editMessageText' || method === 'editMessageReplyMarkup') {
      const m = messages.find((x) => x.message_id === Number(p.message_id) && String(x.chat_id) === chatId);
      if (!m) {
        record('400');
        return fail(400, 'Bad Request: message to edit not found');
      }
      if (method === 'editMessageText') {
        if (m.text === text && JSON.stringify(m.reply_markup ?? null) === JSON.stringify(p.reply_markup ?? null)) {
          record('400');
          return fail(400, 'Bad Request: message is not modified');
        }
        m.text = text;
        m.history.push(text!);
        m.parse_mode = parseMode;
      }
      m.reply_markup = p.reply_markup as FakeMessage['reply_markup'];
      record('ok');
      notify();
      return ok({ message_id: m.message_id, chat: { id: chatNum, type: 'private' }, date: Math.floor(Date.now() / 1000), text: m.text });
    }
    return delivered(method, p, chatId, chatNum, time, 'ok');
  }

  /** Records a new message as delivered and returns Telegram's answer for it. */
  function delivered(method: string, p: Record<string, unknown>, chatId: string, chatNum: number | string, time: number, outcome: SendAttempt['outcome']): Answer {
    const text = typeof p.text === 'string' ? p.text : undefined;
    const caption = typeof p.caption === 'string' ? p.caption : undefined;
    const parseMode = typeof p.parse_mode === 'string' ? p.parse_mode : undefined;
    const shown = text ?? caption;
    const attached = typeof p.photo === 'string' && p.photo.startsWith('attach://') ? p[p.photo.slice('attach://'.length)] : p.photo;
    const photo = attached as { fileBytes?: number } | string | undefined;
    const m: FakeMessage = {
      message_id: nextMessageId++,
      chat_id: chatNum,
      text,
      caption,
      parse_mode: parseMode,
      reply_markup: p.reply_markup as FakeMessage['reply_markup'],
      photoBytes: typeof photo === 'object' ? photo.fileBytes : undefined,
      silent: p.disable_notification === true || p.disable_notification === 'true',
      history: shown !== undefined ? [shown] : [],
      time,
    };
    messages.push(m);
    attempts.push({ method, chat_id: chatId, time, outcome });
    notify();
    const chatType = typeof chatNum === 'number' && chatNum > 0 ? 'private' : 'channel';
    return ok({ message_id: m.message_id, chat: { id: chatNum, type: chatType }, date: Math.floor(Date.now() / 1000), text, caption });
  }

  async function handle(method: string, p: Record<string, unknown>, req: http.IncomingMessage): Promise<Reply> {
    calls.set(method, (calls.get(method) ?? 0) + 1);
    if (unreachableFrom === method) {
      unreachable = true;
      unreachableFrom = null;
    }
    if (unreachable) {
      if (SEND_METHODS.has(method)) attempts.push({ method, chat_id: String(p.chat_id ?? ''), time: performance.now() - start, outcome: 'timeout' });
      notify();
      return 'hang';
    }
    if (SEND_METHODS.has(method)) return handleSend(method, p);
    switch (method) {
      case 'getMe':
        return ok(botUser);
      case 'deleteWebhook':
      case 'setChatMenuButton':
        return ok(true);
      case 'setMyCommands':
        commandSets.push({ commands: p.commands as never, scope: p.scope as never });
        return ok(true);
      case 'answerCallbackQuery':
        answeredCallbacks.push({ id: String(p.callback_query_id), text: p.text as string | undefined });
        return ok(true);
      case 'getUpdates': {
        const offset = Number(p.offset ?? 0);
        if (offset > confirmedOffset) confirmedOffset = offset;
        const limit = Number(p.limit ?? 100) || 100;
        const timeout = Number(p.timeout ?? 0);
        const pending = () => updates.filter((u) => u.update_id >= confirmedOffset).slice(0, limit);
        let got = pending();
        if (!got.length && timeout > 0) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              pollers.delete(wake);
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(wake, timeout * 1000);
            pollers.add(wake);
            req.once('close', wake);
          });
          got = pending();
        }
        return ok(got);
      }
      default:
        return fail(404, 'Not Found: method not found');
    }
  }

  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    void (async () => {
      if (!m) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
        return;
      }
      if (m[1] !== token) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
        return;
      }
      let reply: Reply;
      try {
        reply = await handle(m[2]!, await readParams(req, url), req);
      } catch (e) {
        reply = fail(400, `Bad Request: ${(e as Error).message}`);
      }
      if (reply === 'hang') return; // the client's timeout ends it
      const answer = (a: Answer) => {
        if (!res.destroyed) res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
      };
      if ('late' in reply) {
        if (reply.ms !== undefined) setTimeout(() => answer(reply.late), reply.ms);
        return;
      }
      answer(reply);
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const chat = (chatId: number | string) => messages.filter((m) => String(m.chat_id) === String(chatId));

  const waitUntil = (pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> =>
    new Promise((resolve, reject) => {
      if (pred()) return resolve();
      const check = () => {
        if (pred()) {
          watchers.delete(check);
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        clearInterval(poll);
        reject(new Error(`fake Telegram: timed out waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(check, 50);
      watchers.add(check);
    });

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botUser,
    messages,
    attempts,
    commandSets,
    answeredCallbacks,
    calls,
    userSays(user, text) {
      const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
      return pushUpdate({
        message: {
          message_id: nextMessageId++,
          from: { ...user, is_bot: false },
          chat: { id: user.id, type: 'private', first_name: user.first_name, username: user.username },
          date: Math.floor(Date.now() / 1000),
          text,
          ...(entities ? { entities } : {}),
        },
      });
    },
    pressButton(user, message, data) {
      const id = `cb${nextUpdateId}`;
      pushUpdate({
        callback_query: {
          id,
          from: { ...user, is_bot: false },
          chat_instance: String(user.id),
          data,
          message: {
            message_id: message.message_id,
            from: botUser,
            chat: { id: message.chat_id, type: 'private' },
            date: Math.floor(Date.now() / 1000),
            text: message.text,
            reply_markup: message.reply_markup,
          },
        },
      });
      return id;
    },
    inject(injection) {
      injections.push({ ...injection, chatId: injection.chatId === undefined ? undefined : String(injection.chatId) });
    },
    block(chatId) {
      blocked.add(String(chatId));
    },
    randomTooManyRequests(fraction, retryAfter) {
      random429 = fraction > 0 ? { fraction, retryAfter, acc: 0 } : null;
    },
    setUnreachable(on, options = {}) {
      unreachable = on && !options.from;
      unreachableFrom = on ? (options.from ?? null) : null;
    },
    chat,
    async waitForMessage(chatId, pred, timeoutMs = 10_000) {
      let found: FakeMessage | undefined;
      await waitUntil(() => (found = chat(chatId).find(pred)) !== undefined, timeoutMs, `a message in chat ${chatId}`);
      return found!;
    },
    waitUntil,
    maxInWindow(windowMs, filter) {
      return maxSliding(attempts.filter((a) => !filter || filter(a)).map((a) => a.time), windowMs);
    },
    maxPerChatInWindow(windowMs, filter) {
      const byChat = new Map<string, number[]>();
      for (const a of attempts) {
        if (filter && !filter(a)) continue;
        let list = byChat.get(a.chat_id);
        if (!list) byChat.set(a.chat_id, (list = []));
        list.push(a.time);
      }
      let best = 0;
      for (const times of byChat.values()) best = Math.max(best, maxSliding(times, windowMs));
      return best;
    },
    async close() {
      for (const p of [...pollers]) p();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
