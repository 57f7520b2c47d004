import type { BotContext } from '../bot/context.ts';
import { formatAge, formatUtc, replyLong } from '../bot/reply.ts';
import { configOf, severalSymbols, symbolServices } from '../bot/symbols.ts';
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

/** One line of a symbol in the overview of a bot of several: newest candle, lag, last tick, model age, warnings. */
function overviewLine(symbol: string, s: ServiceStatus | undefined, now: number): string {
  if (!s) return `${symbol}: not available`;
  const parts = [symbol, s.lastCandleTime !== undefined ? `candle ${formatUtc(s.lastCandleTime).replace(' UTC', '')}` : 'no candle yet'];
  if (s.lagMs !== undefined) parts.push(`lag ${formatAge(s.lagMs)}`);
  const t = s.cycle?.lastTick;
  if (t) parts.push(`tick ${t.latencyMs.toFixed(0)} ms${t.error ? ' failed' : ''}`);
  const trained = s.models.map((m) => m.trainedAt).filter((x): x is number => x !== undefined);
  if (trained.length) parts.push(`models ${formatAge(now - Math.min(...trained))}`);
  if (s.tradingMode) parts.push(s.tradingMode);
  const warnings = s.cycle?.warnings.length ?? 0;
  return `${parts.join(' · ')}${warnings ? ` ⚠️ ${warnings}` : ''}`;
}

export const status: BotCommandDef = {
  name: 'status',
  role: 'user',
  summary: 'Last candle, lag, models, trading mode',
  usage: '/status',
  help: 'Shows the newest candle and how far behind it is, the models and their age, the trading mode, and the bot’s own figures.',
  several: { usage: '/status [SYMBOL]', help: 'A bot of several symbols: a line per symbol, or /status SYMBOL for one in full.' },
  async run(ctx: BotContext, args) {
    const rt = ctx.itb;
    const { state, publisher, startedAt } = rt;
    const lines: string[] = [];
    if (args[0] === undefined && severalSymbols(rt)) {
      const now = Date.now();
      for (const [symbol, services] of rt.services.symbols!) lines.push(overviewLine(symbol, await services.status?.(), now));
      lines.push('/status SYMBOL shows one in full.');
    } else {
      const { services } = symbolServices(rt, args[0], status);
      const config = configOf(rt, services);
      lines.push(`${config.symbol} · ${config.freq}`);
      if (services.status) lines.push(...serviceStatusLines(config, await services.status(), Date.now()));
      else lines.push('The signal service is not available in this process yet.');
    }
    lines.push(`Bot: up ${formatAge(Date.now() - startedAt)}, ${Object.keys(state.data.subscribers).length} subscribers, ${publisher.outbox.pending} messages waiting`);
    if (ctx.isAdmin) {
      const o = publisher.outbox.stats;
      lines.push(`Outbox since start: ${o.sent} sent, ${o.retried} retried, ${o.dropped} dropped; ${state.data.blockedRemoved} chats removed after blocking the bot`);
    }
    await replyLong(ctx, lines.join('\n'));
  },
};
