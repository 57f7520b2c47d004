import { UserError } from '../shared/errors.ts';
import { splitMessage } from '../core/notify/split.ts';
import { maskSecrets } from '../shared/log.ts';
import type { BotContext } from './context.ts';
import type { BotServices } from './services.ts';

/** Replies with a text of any length (split under Telegram's limit), secrets masked. */
export async function replyLong(ctx: BotContext, text: string, options: { markdown?: boolean } = {}): Promise<void> {
  for (const part of splitMessage(maskSecrets(text))) {
    await ctx.reply(part, options.markdown ? { parse_mode: 'Markdown' } : {});
  }
}

/** The service member a command needs (of `services`, default the bot's), or a plain "not available" answer. */
export function requireService<K extends keyof BotServices>(ctx: BotContext, key: K, what: string, services: BotServices = ctx.itb.services): NonNullable<BotServices[K]> {
  const s = services[key];
  if (!s) throw new UserError(`${what} is not available in this process yet.`);
  return s as NonNullable<BotServices[K]>;
}

/** A whole number argument within [min, max], or a usage error naming the command. */
export function intArg(raw: string | undefined, fallback: number, min: number, max: number, usage: string): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UserError(`"${raw}" is not a whole number; usage: ${usage}`);
  const n = Number(raw);
  if (n < min || n > max) throw new UserError(`${n} is out of range (${min}–${max}); usage: ${usage}`);
  return n;
}

/** `2025-03-01 12:34 UTC` */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3h12m ago` style age. */
export function formatAge(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}
