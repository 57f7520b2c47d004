import type { Context } from 'grammy';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../shared/log.ts';
import type { BotServices } from './services.ts';
import type { BotStateStore, AuditOutcome } from './state.ts';
import type { Publisher } from './publisher.ts';
import type { Confirmations } from './confirm.ts';
import type { JobSlots } from './progressMessage.ts';
import type { BotCommandDef } from './command.ts';

/** Everything a command handler may use; one per bot. */
export interface BotRuntime {
  config: Config;
  state: BotStateStore;
  services: BotServices;
  publisher: Publisher;
  confirmations: Confirmations;
  jobs: JobSlots;
  commands: readonly BotCommandDef[];
  log: Logger;
  startedAt: number;
  /** Minimum time between two edits of a progress message. */
  progressEditMs: number;
  isAdmin(userId: number | undefined): boolean;
  /** Configured admins and the terminal's local user. */
  adminIds(): number[];
  /** Appends to the audit log (who, what, when, outcome). */
  audit(ctx: Context, command: string, outcome: AuditOutcome, detail?: string): Promise<void>;
}

interface RuntimeFlavor {
  itb: BotRuntime;
  /** Decided once per update by the roles middleware. */
  isAdmin: boolean;
}

export type BotContext = Context & RuntimeFlavor;
