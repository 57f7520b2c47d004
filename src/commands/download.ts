import type { BotContext } from '../bot/context.ts';
import { startJobWithProgress } from '../bot/progressMessage.ts';
import { requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const download: BotCommandDef = {
  name: 'download',
  role: 'admin',
  startsJob: true,
  summary: 'Download new candles',
  usage: '/download',
  help: 'Brings the klines of every data source up to date; one message shows the progress.',
  async run(ctx: BotContext) {
    const job = requireService(ctx, 'download', 'Downloading');
    await startJobWithProgress(ctx, 'download', `Download ${ctx.itb.config.symbol}`, job);
  },
};
