import type { Composer } from 'grammy';
import { describeError, isUserError } from '../shared/errors.ts';
import { maskSecrets } from '../shared/log.ts';
import type { BotContext } from './context.ts';

/** One bot command: its role, its help and its handler (thin: parse, call a service, format). */
export interface BotCommandDef {
  /** Without the slash. */
  name: string;
  role: 'user' | 'admin';
  /** One line for Telegram's command menu (setMyCommands). */
  summary: string;
  /** e.g. "/chart [hours]". */
  usage: string;
  /** What it does, for /help <command>. */
  help: string;
  /** A bot of several symbols: its usage there (the symbol argument) and what /help adds. */
  several?: { usage: string; help: string };
  /** Starts a background job that audits its own end (the command itself is audited as "started"). */
  startsJob?: boolean;
  run(ctx: BotContext, args: string[]): Promise<void>;
}

/**
 * What the commands layer hands the bot to install (src/commands/index.ts): the list the menus
 * and /help show, and the middleware that answers the commands and their buttons.
 */
export interface BotCommands {
  list: readonly BotCommandDef[];
  middleware: Composer<BotContext>;
}

/**
 * The one way a command runs: a non-admin's admin command is refused politely; admin commands
 * are audited (done, started, refused, failed); a user error is its sentence as the reply, any
 * other failure is logged and named; secrets never reach the chat.
 */
export function commandHandler(cmd: BotCommandDef) {
  return async (ctx: BotContext): Promise<void> => {
    const runtime = ctx.itb;
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
      if (!isUserError(e)) runtime.log.error({ err: maskSecrets(describeError(e)), command: cmd.name }, 'command failed');
      const text = isUserError(e) ? e.message : `/${cmd.name} failed: ${describeError(e)}`;
      await ctx.reply(maskSecrets(text));
      if (cmd.role === 'admin') await runtime.audit(ctx, label, 'failed', describeError(e));
    }
  };
}
