import type { BotContext } from '../bot/context.ts';
import { formatAge, formatUtc } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';
import type { CycleStatus, ServiceStatus } from '../bot/services.ts';
import type { Config } from '../config/schema.ts';
import { formatTime } from '../core/time.ts';
import { formatValue } from '../jobs/service/health.ts';

/**
 * The lines /status shows about the running service: the newest candle and its lag, the models
 * and their age, the trading mode, then the minute cycle's own figures and warnings. The whole
 * /status text is built here and nowhere else.
 */
export function serviceStatusLines(config: Config, s: ServiceStatus, now: number): string[] {
  const lines: string[] = [];
  lines.push(s.lastCandleTime !== undefined ? `Last candle: ${formatUtc(s.lastCandleTime)}` : 'Last candle: none yet');
  if (s.lagMs !== undefined) lines.push(`Lag: ${formatAge(s.lagMs)}`);
  const expiryMs = config.service.model_expiry_hours * 3_600_000;
  if (!s.models.length) lines.push('Models: none loaded');
  for (const m of s.models) {
    const age = m.trainedAt === undefined ? 'age unknown' : `trained ${formatAge(now - m.trainedAt)} ago${now - m.trainedAt > expiryMs ? ' ⚠ expired' : ''}`;
    lines.push(`Model ${m.name}: ${age}`);
  }
  if (s.tradingMode) lines.push(`Trading: ${s.tradingMode}`);
  if (s.cycle) lines.push(...cycleLines(s.cycle));
  return lines;
}

function cycleLines(c: CycleStatus): string[] {
  const t = c.lastTick;
  const lines = [
    `venue ${c.venue} (${c.source})`,
    t
      ? `last tick: ${formatTime(t.at)} UTC · ${t.bars} bar(s) · latency ${t.latencyMs.toFixed(0)} ms (compute ${t.computeMs.toFixed(1)} ms)${t.error ? ` · failed: ${t.error}` : ''}`
      : 'last tick: none yet',
    `ticks: ${c.ticks}${c.skippedTicks ? ` (${c.skippedTicks} skipped while one was running)` : ''}`,
  ];
  const values = Object.entries(c.latest).filter(([, v]) => Number.isFinite(v));
  if (values.length) lines.push(`latest: ${values.map(([k, v]) => `${k} ${formatValue(v)}`).join(' · ')}`);
  if (c.retraining) lines.push('retraining now');
  else if (c.lastRetrain) lines.push(`last retraining ${formatTime(c.lastRetrain.at)} UTC: ${c.lastRetrain.ok ? 'done' : 'failed'}`);
  for (const w of c.warnings) lines.push(`⚠️ ${w}`);
  return lines;
}

export const status: BotCommandDef = {
  name: 'status',
  role: 'user',
  summary: 'Last candle, lag, models, trading mode',
  usage: '/status',
  help: 'Shows the newest candle and how far behind it is, the models and their age, the trading mode, and the bot’s own figures.',
  async run(ctx: BotContext) {
    const { config, services, state, publisher, startedAt } = ctx.itb;
    const lines = [`${config.symbol} · ${config.freq}`];
    if (services.status) lines.push(...serviceStatusLines(config, await services.status(), Date.now()));
    else lines.push('The signal service is not available in this process yet.');
    lines.push(`Bot: up ${formatAge(Date.now() - startedAt)}, ${Object.keys(state.data.subscribers).length} subscribers, ${publisher.outbox.pending} messages waiting`);
    if (ctx.isAdmin) {
      const o = publisher.outbox.stats;
      lines.push(`Outbox since start: ${o.sent} sent, ${o.retried} retried, ${o.dropped} dropped; ${state.data.blockedRemoved} chats removed after blocking the bot`);
    }
    await ctx.reply(lines.join('\n'));
  },
};
