import type { Config } from '../config/schema.ts';
import { findScoreBand, scoreNotificationConfigs } from '../core/notify/scoreBand.ts';
import { formatScoreMessage } from '../core/notify/scoreMessage.ts';
import { escapeMarkdown } from '../core/notify/markdown.ts';
import { parseFreq } from '../core/time.ts';
import type { BotContext } from '../bot/context.ts';
import { formatAge, formatUtc, replyLong, requireService } from '../bot/reply.ts';
import type { LatestScore } from '../bot/services.ts';
import { ALL_SYMBOLS, findSubscriber } from '../bot/subscriptions.ts';
import { configOf, servedSymbols, severalSymbols, symbolServices, symbolTag } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

/** The score in the channel's format (no arrow), with its band; named by its symbol's tag when the bot posts several. */
function headline(s: LatestScore, config: Config, tagged: boolean) {
  const cfg = scoreNotificationConfigs(config)[0];
  const match = cfg ? findScoreBand(s.score, cfg.positiveBands, cfg.negativeBands) : { bandNo: 0, band: null };
  const closeTime = s.time + parseFreq(s.freq).ms;
  const text = formatScoreMessage({ symbol: s.symbol, freq: s.freq, closeTime, close: s.close, score: s.score, score2: s.score2 }, match, '');
  return { text: tagged ? symbolTag(s.symbol) + text : text, match, closeTime };
}

/** A bot of several symbols, `/score` alone: one line per symbol the chat follows (every symbol when it follows all or none). */
async function scoreList(ctx: BotContext): Promise<void> {
  const rt = ctx.itb;
  const followed = findSubscriber(rt.state, ctx.chat!.id)?.symbols;
  const all = servedSymbols(rt);
  const symbols = followed && !(ALL_SYMBOLS in followed) ? all.filter((s) => s in followed) : all;
  const lines: string[] = [];
  for (const symbol of symbols.length ? symbols : all) {
    const services = rt.services.symbols?.get(symbol);
    const s = await services?.latestScore?.();
    lines.push(s ? headline(s, configOf(rt, services!), true).text : `${symbolTag(symbol)}no score yet`);
  }
  lines.push(`/score SYMBOL shows one in full${followed && !(ALL_SYMBOLS in followed) ? '' : '; /subscribe SYMBOL picks yours'}.`);
  await replyLong(ctx, lines.join('\n'), { markdown: true });
}

export const score: BotCommandDef = {
  name: 'score',
  role: 'user',
  summary: 'Latest score, band, price and model age',
  usage: '/score',
  help: 'Shows the latest score in the channel’s format, its band, the close price, the candle time and how old the models are.',
  several: { usage: '/score [SYMBOL]', help: 'A bot of several symbols: /score SYMBOL (eth, ETH/USDT, ETHUSDT) for one, /score alone for a line per symbol you follow (or all of them).' },
  async run(ctx: BotContext, args) {
    const rt = ctx.itb;
    if (args[0] === undefined && severalSymbols(rt)) {
      await scoreList(ctx);
      return;
    }
    const { services } = symbolServices(rt, args[0], score);
    const latestScore = requireService(ctx, 'latestScore', 'The latest score', services);
    const s = await latestScore();
    if (!s) {
      await ctx.reply('No score yet: the service has not scored a candle since it started.');
      return;
    }
    const { text, match, closeTime } = headline(s, configOf(rt, services), severalSymbols(rt));
    const bandText = match.band ? `${match.bandNo} (${escapeMarkdown(match.band.text ?? '')})` : '0 (neutral)';
    const now = services.now?.() ?? rt.services.now?.() ?? Date.now();
    const lines = [
      text,
      `Band: ${bandText}`,
      `Candle: ${formatUtc(s.time)}, closed ${formatAge(now - closeTime)} ago`,
      s.modelTrainedAt ? `Models trained ${formatAge(Date.now() - s.modelTrainedAt)} ago` : 'Model age: unknown',
    ];
    await ctx.reply(lines.join('\n'), { parse_mode: 'Markdown' });
  },
};
