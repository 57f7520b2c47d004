import { sanitizeConfig } from '../config/load.ts';
import type { BotContext } from '../bot/context.ts';
import { replyLong } from '../bot/reply.ts';
import type { BotCommandDef } from './types.ts';

export const config: BotCommandDef = {
  name: 'config',
  role: 'admin',
  summary: 'The running config, secrets removed',
  usage: '/config',
  help: 'Shows the config this process runs with; tokens, keys and passwords are replaced by ***.',
  async run(ctx: BotContext) {
    const clean = sanitizeConfig(ctx.itb.config);
    // A self-hosted Bot API URL may carry credentials; say only whether it is set.
    const tg = clean.telegram as Record<string, unknown> | undefined;
    if (tg) tg.api_root = tg.api_root ? '(set)' : '';
    await replyLong(ctx, JSON.stringify(clean, null, 1));
  },
};
