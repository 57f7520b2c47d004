import type { Context } from 'grammy';
import { AUDIT_KEEP, type AuditEntry, type AuditOutcome, type BotStateStore } from './state.ts';

export function senderName(ctx: Context): string {
  const u = ctx.from;
  if (!u) return 'unknown';
  return u.username ? `@${u.username}` : [u.first_name, u.last_name].filter(Boolean).join(' ') || String(u.id);
}

/** Records one audit entry and persists it (the log keeps the newest AUDIT_KEEP entries). */
export async function appendAudit(state: BotStateStore, ctx: Context, command: string, outcome: AuditOutcome, detail?: string, now: Date = new Date()): Promise<AuditEntry> {
  const entry: AuditEntry = { time: now.toISOString(), userId: ctx.from?.id ?? 0, name: senderName(ctx), command, outcome, ...(detail ? { detail } : {}) };
  state.data.audit.push(entry);
  if (state.data.audit.length > AUDIT_KEEP) state.data.audit.splice(0, state.data.audit.length - AUDIT_KEEP);
  await state.write();
  return entry;
}
