import { InlineKeyboard, type Api, type MiddlewareFn } from 'grammy';
import { randomBytes } from 'node:crypto';
import { describeError } from '../shared/errors.ts';
import { maskSecrets } from '../shared/log.ts';
import type { BotContext } from './context.ts';

export interface ConfirmRequest {
  /** Shown above the buttons, e.g. "Cancel 2 open orders and stop trading?" */
  question: string;
  /** The audited command, e.g. "/trade off". */
  command: string;
  yesLabel?: string;
  noLabel?: string;
  /** Runs only after the same admin pressed Yes in time; resolves to the reply. */
  action: () => Promise<string>;
}

interface Pending extends ConfirmRequest {
  userId: number;
  chatId: number;
  messageId: number;
  expiresAt: number;
  timer: NodeJS.Timeout;
  api: Api;
}

const DATA = /^cf:([0-9a-f]{12}):(y|n)$/;

/**
 * The one confirmation mechanism of the bot: Yes/No inline buttons in front of destructive or
 * money-moving actions (/trade off with open orders, /trade live). A question expires after
 * `ttlMs` (its buttons are removed); only the admin who asked may answer it; every step is audited.
 */
export class Confirmations {
  private readonly pending = new Map<string, Pending>();
  /** Commands of recently expired questions, so a late press is audited by name. */
  private readonly expired = new Map<string, string>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async ask(ctx: BotContext, req: ConfirmRequest): Promise<void> {
    const id = randomBytes(6).toString('hex');
    const keyboard = new InlineKeyboard().text(req.yesLabel ?? '✅ Yes', `cf:${id}:y`).text(req.noLabel ?? '✖ No', `cf:${id}:n`);
    const seconds = Math.round(this.ttlMs / 1000);
    const msg = await ctx.reply(`${req.question}\n(This question expires in ${seconds} s.)`, { reply_markup: keyboard });
    const timer = setTimeout(() => void this.expire(id), this.ttlMs);
    timer.unref?.();
    this.pending.set(id, { ...req, userId: ctx.from!.id, chatId: msg.chat.id, messageId: msg.message_id, expiresAt: this.now() + this.ttlMs, timer, api: ctx.api });
    await ctx.itb.audit(ctx, req.command, 'asked');
  }

  /** True while `userId` has an unanswered question about `command`. */
  waiting(userId: number | undefined, command: string): boolean {
    for (const p of this.pending.values()) if (p.userId === userId && p.command === command && this.now() <= p.expiresAt) return true;
    return false;
  }

  private async expire(id: string): Promise<void> {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.expired.set(id, p.command);
    if (this.expired.size > 1000) this.expired.delete(this.expired.keys().next().value!);
    try {
      await p.api.editMessageText(p.chatId, p.messageId, `⌛ Expired, nothing was done: ${p.question}`);
    } catch {
      /* the message may be gone; nothing else to undo */
    }
  }

  /** Handles presses of the Yes/No buttons. */
  middleware(): MiddlewareFn<BotContext> {
    return async (ctx, next) => {
      const m = DATA.exec(ctx.callbackQuery?.data ?? '');
      if (!m) return next();
      const p = this.pending.get(m[1]!);
      if (!p || this.now() > p.expiresAt) {
        if (p) {
          this.pending.delete(m[1]!);
          clearTimeout(p.timer);
        }
        await ctx.answerCallbackQuery({ text: 'This confirmation has expired; nothing was done.' });
        await ctx.itb.audit(ctx, p?.command ?? this.expired.get(m[1]!) ?? 'a confirmation', 'expired');
        try {
          await ctx.editMessageReplyMarkup({ reply_markup: undefined });
        } catch {
          /* already without buttons */
        }
        return;
      }
      if (ctx.from?.id !== p.userId || !ctx.isAdmin) {
        await ctx.answerCallbackQuery({ text: 'Only the admin who asked can answer this.' });
        await ctx.itb.audit(ctx, p.command, 'refused', 'pressed another admin’s confirmation');
        return;
      }
      this.pending.delete(m[1]!);
      clearTimeout(p.timer);
      if (m[2] === 'n') {
        await ctx.answerCallbackQuery({ text: 'Cancelled' });
        await ctx.editMessageText(`✖ Cancelled: ${p.question}`);
        await ctx.itb.audit(ctx, p.command, 'cancelled');
        return;
      }
      await ctx.answerCallbackQuery({ text: 'Confirmed' });
      await ctx.editMessageText(`✅ Confirmed: ${p.question}\nWorking…`);
      try {
        const result = await p.action();
        await ctx.editMessageText(`✅ ${maskSecrets(result)}`);
        await ctx.itb.audit(ctx, p.command, 'confirmed', result.slice(0, 200));
      } catch (e) {
        const why = maskSecrets(describeError(e));
        await ctx.editMessageText(`❌ ${p.command} failed: ${why}`);
        await ctx.itb.audit(ctx, p.command, 'failed', why);
      }
    };
  }

  stop(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
