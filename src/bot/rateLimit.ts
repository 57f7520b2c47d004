import type { MiddlewareFn } from 'grammy';
import type { BotContext } from './context.ts';

interface Bucket {
  tokens: number;
  updatedAt: number;
  warned: boolean;
}

/**
 * A per-user token bucket against spam: `perMinute` updates a minute with bursts of the same
 * size. The first update over the limit gets one polite answer; later ones are ignored until
 * the bucket refills. Admins are not limited.
 */
export function rateLimitMiddleware(perMinute: number, now: () => number = Date.now): MiddlewareFn<BotContext> {
  const buckets = new Map<number, Bucket>();
  let sweepAt = 0;
  return async (ctx, next) => {
    const id = ctx.from?.id;
    if (id === undefined || ctx.isAdmin || perMinute <= 0) return next();
    const t = now();
    if (t > sweepAt) {
      sweepAt = t + 10 * 60_000;
      for (const [k, b] of buckets) if (t - b.updatedAt > 10 * 60_000) buckets.delete(k);
    }
    let b = buckets.get(id);
    if (!b) buckets.set(id, (b = { tokens: perMinute, updatedAt: t, warned: false }));
    b.tokens = Math.min(perMinute, b.tokens + ((t - b.updatedAt) * perMinute) / 60_000);
    b.updatedAt = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.warned = false;
      return next();
    }
    if (!b.warned) {
      b.warned = true;
      const waitS = Math.ceil(((1 - b.tokens) * 60) / perMinute);
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: `Too many requests: please wait ${waitS} s.` });
      else await ctx.reply(`You are sending commands too fast; please wait ${waitS} s and try again.`);
    } else if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery();
    }
  };
}
