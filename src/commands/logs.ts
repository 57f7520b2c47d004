import type { BotContext } from '../bot/context.ts';
import { intArg, replyLong, requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const logs: BotCommandDef = {
  name: 'logs',
  role: 'admin',
  summary: 'Last log lines',
  usage: '/logs [n]',
  help: 'Shows the last n log lines (default 20, at most 200), secrets masked.',
  async run(ctx: BotContext, args) {
    const n = intArg(args[0], 20, 1, 200, logs.usage);
    const read = requireService(ctx, 'logs', 'The log');
    const lines = await read(n);
    await replyLong(ctx, lines.length ? lines.join('\n') : 'The log is empty.');
  },
};
