import { findScoreBand, scoreNotificationConfigs } from '../core/notify/scoreBand.ts';
import { formatScoreMessage } from '../core/notify/scoreMessage.ts';
import { escapeMarkdown } from '../core/notify/markdown.ts';
import { parseFreq } from '../core/time.ts';
import type { BotContext } from '../bot/context.ts';
import { formatAge, formatUtc, requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const score: BotCommandDef = {
  name: 'score',
  role: 'user',
  summary: 'Latest score, band, price and model age',
  usage: '/score',
  help: 'Shows the latest score in the channel’s format, its band, the close price, the candle time and how old the models are.',
  async run(ctx: BotContext) {
    const latestScore = requireService(ctx, 'latestScore', 'The latest score');
    const s = await latestScore();
    if (!s) {
      await ctx.reply('No score yet: the service has not scored a candle since it started.');
      return;
    }
    const cfg = scoreNotificationConfigs(ctx.itb.config)[0];
    const match = cfg ? findScoreBand(s.score, cfg.positiveBands, cfg.negativeBands) : { bandNo: 0, band: null };
    const closeTime = s.time + parseFreq(s.freq).ms;
    const headline = formatScoreMessage({ symbol: s.symbol, freq: s.freq, closeTime, close: s.close, score: s.score, score2: s.score2 }, match, '');
    const bandText = match.band ? `${match.bandNo} (${escapeMarkdown(match.band.text ?? '')})` : '0 (neutral)';
    const now = ctx.itb.services.now?.() ?? Date.now();
    const lines = [
      headline,
      `Band: ${bandText}`,
      `Candle: ${formatUtc(s.time)}, closed ${formatAge(now - closeTime)} ago`,
      s.modelTrainedAt ? `Models trained ${formatAge(Date.now() - s.modelTrainedAt)} ago` : 'Model age: unknown',
    ];
    await ctx.reply(lines.join('\n'), { parse_mode: 'Markdown' });
  },
};
