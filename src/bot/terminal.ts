import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { InputFile, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import type { ItbBot } from './createBot.ts';

export interface TerminalChatOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Where photos the bot sends are saved (their path is printed). */
  photoDir: string;
  /** The local person's user id (default: the first admin, else 1); always treated as an admin. */
  userId?: number;
  name?: string;
  /** Prints the invitation to chat (default true; off when nobody reads the input). */
  greet?: boolean;
}

export interface TerminalChat {
  /** Feeds one typed line, as if it came from the input. */
  type(line: string): Promise<void>;
  /** Resolves when the input ends or /quit is typed. */
  closed: Promise<void>;
  close(): void;
}

type Button = { text: string; callback_data?: string };
type Keyboard = { inline_keyboard?: Button[][] };

async function toBytes(file: unknown): Promise<Uint8Array> {
  if (file instanceof InputFile) {
    const raw = await file.toRaw();
    if (raw instanceof Uint8Array) return raw;
    const chunks: Uint8Array[] = [];
    for await (const c of raw as AsyncIterable<Uint8Array>) chunks.push(c);
    return Buffer.concat(chunks);
  }
  return Buffer.from(String(file));
}

/**
 * Runs the bot in the terminal: each typed line is a message from a local admin, and every
 * Bot API call is answered in-process — texts printed, photos saved to files. The bot's
 * handlers, publisher and confirmations run unchanged; only the API client's transport differs.
 * Typing the number of a button shown under the last message presses it.
 */
export async function startTerminalChat(itb: ItbBot, options: TerminalChatOptions): Promise<TerminalChat> {
  const { bot, runtime } = itb;
  const out = options.output;
  const userId = options.userId ?? runtime.config.telegram.admins[0] ?? 1;
  const name = options.name ?? 'you';
  itb.addLocalAdmin(userId);
  fs.mkdirSync(options.photoDir, { recursive: true });

  let nextMessageId = 1;
  let nextUpdateId = 1;
  let photoNo = 0;
  const texts = new Map<number, string>();
  let lastButtons: { messageId: number; text: string; buttons: Button[] } | null = null;
  const channel = String(runtime.config.telegram.channel);

  const who = (chatId: unknown) => (String(chatId) === String(userId) ? 'bot' : String(chatId) === channel ? 'channel' : `chat ${String(chatId)}`);
  const print = (line: string) => out.write(`${line}\n`);
  const showKeyboard = (messageId: number, text: string, markup: Keyboard | undefined, chatId: unknown) => {
    const buttons = (markup?.inline_keyboard ?? []).flat();
    if (!buttons.length || String(chatId) !== String(userId)) return;
    lastButtons = { messageId, text, buttons };
    print(`    ${buttons.map((b, i) => `[${i + 1}] ${b.text}`).join('  ')}`);
  };
  const message = (chatId: unknown, id: number, extra: Record<string, unknown>) => ({
    message_id: id,
    date: Math.floor(Date.now() / 1000),
    chat: { id: Number(chatId) || chatId, type: String(chatId) === String(userId) ? 'private' : 'channel' },
    ...extra,
  });

  const localApi: Transformer = async (_prev, method, payload) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    const ok = (result: unknown) => ({ ok: true as const, result }) as never;
    switch (method) {
      case 'getMe':
        return ok({ id: 1_000_000, is_bot: true, first_name: 'ITB', username: 'itb_terminal_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false });
      case 'sendMessage': {
        const id = nextMessageId++;
        const text = String(p.text ?? '');
        texts.set(id, text);
        print(`${who(p.chat_id)}> ${text.replace(/\n/g, '\n    ')}`);
        showKeyboard(id, text, p.reply_markup as Keyboard, p.chat_id);
        return ok(message(p.chat_id, id, { text }));
      }
      case 'editMessageText': {
        const id = Number(p.message_id);
        const text = String(p.text ?? '');
        texts.set(id, text);
        print(`${who(p.chat_id)} (edited)> ${text.replace(/\n/g, '\n    ')}`);
        showKeyboard(id, text, p.reply_markup as Keyboard, p.chat_id);
        if (lastButtons?.messageId === id && !p.reply_markup) lastButtons = null;
        return ok(message(p.chat_id, id, { text }));
      }
      case 'editMessageReplyMarkup': {
        const id = Number(p.message_id);
        if (lastButtons?.messageId === id && !(p.reply_markup as Keyboard | undefined)?.inline_keyboard?.length) lastButtons = null;
        return ok(message(p.chat_id, id, { text: texts.get(id) ?? '' }));
      }
      case 'sendPhoto':
      case 'sendDocument': {
        const id = nextMessageId++;
        const file = (p.photo ?? p.document) as InputFile;
        const bytes = await toBytes(file);
        const base = file instanceof InputFile && file.filename ? file.filename : 'image.png';
        const target = path.join(options.photoDir, `${String(++photoNo).padStart(3, '0')}-${base}`);
        fs.writeFileSync(target, bytes);
        print(`${who(p.chat_id)}> [${method === 'sendPhoto' ? 'photo' : 'file'} saved to ${target}]${p.caption ? ` ${String(p.caption)}` : ''}`);
        return ok(message(p.chat_id, id, { caption: p.caption }));
      }
      case 'answerCallbackQuery':
        if (p.text) print(`    (${String(p.text)})`);
        return ok(true);
      default:
        // setMyCommands, sendChatAction, deleteWebhook …: nothing to show.
        return ok(true);
    }
  };
  bot.api.config.use(localApi);
  itb.broadcastApi.config.use(localApi);
  await bot.init();
  itb.startOutbox();

  const from = { id: userId, is_bot: false, first_name: name };
  const chat = { id: userId, type: 'private' as const, first_name: name };

  const type = async (raw: string): Promise<void> => {
    const line = raw.trim();
    if (!line) return;
    let update: Update;
    if (/^\d+$/.test(line) && lastButtons && lastButtons.buttons[Number(line) - 1]?.callback_data) {
      const b = lastButtons.buttons[Number(line) - 1]!;
      update = {
        update_id: nextUpdateId++,
        callback_query: {
          id: `local-${nextUpdateId}`,
          from,
          chat_instance: String(userId),
          data: b.callback_data!,
          message: { message_id: lastButtons.messageId, date: Math.floor(Date.now() / 1000), chat, text: lastButtons.text },
        },
      } as Update;
    } else {
      const id = nextMessageId++;
      const command = line.startsWith('/') ? line.split(/\s/)[0]!.length : 0;
      update = {
        update_id: nextUpdateId++,
        message: {
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          from,
          chat,
          text: line,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command }] } : {}),
        },
      } as Update;
    }
    await bot.handleUpdate(update);
  };

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const rl = readline.createInterface({ input: options.input, terminal: false });
  let queue = Promise.resolve();
  rl.on('line', (l) => {
    if (/^\/(quit|exit)$/.test(l.trim())) {
      rl.close();
      return;
    }
    queue = queue.then(() => type(l)).catch((e: unknown) => {
      print(`error: ${(e as Error).message}`);
    });
  });
  rl.on('close', () => void queue.then(resolveClosed));
  if (options.greet !== false) print(`Chat with the bot: type /help (you are admin ${userId}); a number presses a button; /quit ends.`);
  return { type, closed, close: () => rl.close() };
}
