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
  /** Starts a background job that audits its own end (the command itself is audited as "started"). */
  startsJob?: boolean;
  run(ctx: BotContext, args: string[]): Promise<void>;
}
