import type { BotContext } from '../bot/context.ts';
import { formatAge, formatUtc } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const status: BotCommandDef = {
  name: 'status',
  role: 'user',
  summary: 'Last candle, lag, models, trading mode',
  usage: '/status',
  help: 'Shows the newest candle and how far behind it is, the models and their age, the trading mode, and the bot’s own figures.',
  async run(ctx: BotContext) {
    const { config, services, state, publisher, startedAt } = ctx.itb;
    const lines = [`${config.symbol} · ${config.freq}`];
    if (services.status) {
      const s = await services.status();
      lines.push(s.lastCandleTime !== undefined ? `Last candle: ${formatUtc(s.lastCandleTime)}` : 'Last candle: none yet');
      if (s.lagMs !== undefined) lines.push(`Lag: ${formatAge(s.lagMs)}`);
      const expiryMs = config.service.model_expiry_hours * 3_600_000;
      if (!s.models.length) lines.push('Models: none loaded');
      for (const m of s.models) {
        const age = m.trainedAt === undefined ? 'age unknown' : `trained ${formatAge(Date.now() - m.trainedAt)} ago${Date.now() - m.trainedAt > expiryMs ? ' ⚠ expired' : ''}`;
        lines.push(`Model ${m.name}: ${age}`);
      }
      if (s.tradingMode) lines.push(`Trading: ${s.tradingMode}`);
      for (const n of s.notes ?? []) lines.push(n);
    } else {
      lines.push('The signal service is not available in this process yet.');
    }
    lines.push(`Bot: up ${formatAge(Date.now() - startedAt)}, ${Object.keys(state.data.subscribers).length} subscribers, ${publisher.outbox.pending} messages waiting`);
    if (ctx.isAdmin) {
      const o = publisher.outbox.stats;
      lines.push(`Outbox since start: ${o.sent} sent, ${o.retried} retried, ${o.dropped} dropped; ${state.data.blockedRemoved} chats removed after blocking the bot`);
    }
    await ctx.reply(lines.join('\n'));
  },
};
