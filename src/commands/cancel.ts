import type { BotContext } from '../bot/context.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const cancel: BotCommandDef = {
  name: 'cancel',
  role: 'admin',
  summary: 'Stop a running job',
  usage: '/cancel',
  help: 'Stops the running /train, /download or /backtest job.',
  async run(ctx: BotContext) {
    const titles = ctx.itb.jobs.cancelAll();
    await ctx.reply(titles.length ? `Stopping: ${titles.join(', ')}.` : 'No job is running.');
  },
};
