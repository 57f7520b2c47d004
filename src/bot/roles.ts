import type { MiddlewareFn } from 'grammy';
import type { BotContext } from './context.ts';

/**
 * The one place that decides who is an admin: a numeric Telegram user id listed in
 * telegram.admins (TELEGRAM_ADMINS). Usernames are never trusted: they can change hands.
 */
export function rolesMiddleware(): MiddlewareFn<BotContext> {
  return (ctx, next) => {
    ctx.isAdmin = ctx.itb.isAdmin(ctx.from?.id);
    return next();
  };
}
