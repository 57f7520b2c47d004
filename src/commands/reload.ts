import type { BotContext } from '../bot/context.ts';
import { requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const reload: BotCommandDef = {
  name: 'reload',
  role: 'admin',
  summary: 'Re-read the config file',
  usage: '/reload',
  help: 'Re-reads the config file and applies what can change while running; says what changed.',
  async run(ctx: BotContext) {
    const reloadConfig = requireService(ctx, 'reload', 'Reloading the config');
    await ctx.reply(await reloadConfig());
  },
};
