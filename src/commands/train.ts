import type { BotContext } from '../bot/context.ts';
import { startJobWithProgress } from '../bot/progressMessage.ts';
import { requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const train: BotCommandDef = {
  name: 'train',
  role: 'admin',
  startsJob: true,
  summary: 'Train the models',
  usage: '/train',
  help: 'Trains every model of the config as a background job. One message shows the stage, percent and ETA, and ends with the metrics. /cancel stops it.',
  async run(ctx: BotContext) {
    const job = requireService(ctx, 'train', 'Training');
    await startJobWithProgress(ctx, 'train', `Training ${ctx.itb.config.symbol}`, job);
  },
};
