import { InputFile } from 'grammy';
import type { BotContext } from '../bot/context.ts';
import { intArg, requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const chart: BotCommandDef = {
  name: 'chart',
  role: 'user',
  summary: 'Chart of price, score and signals',
  usage: '/chart [hours]',
  help: 'Sends a PNG of the last hours (default 24, at most 720): price, the score with its thresholds, and buy/sell markers.',
  async run(ctx: BotContext, args) {
    const hours = intArg(args[0], 24, 1, 720, chart.usage);
    const render = requireService(ctx, 'chart', 'The chart');
    await ctx.replyWithChatAction('upload_photo');
    const img = await render(hours);
    await ctx.replyWithPhoto(new InputFile(img.png, `chart-${hours}h.png`), { caption: img.caption ?? `${ctx.itb.config.symbol}, last ${hours} h` });
  },
};
