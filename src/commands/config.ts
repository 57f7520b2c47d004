import { sanitizeConfig } from '../config/load.ts';
import type { BotContext } from '../bot/context.ts';
import { replyLong } from '../bot/reply.ts';
import { compactJson } from '../core/notify/compactJson.ts';
import { withSymbolArg } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const config: BotCommandDef = {
  name: 'config',
  role: 'admin',
  summary: 'The running config, secrets removed',
  usage: '/config [key]',
  help: 'Shows the config this process runs with, or one key of it (e.g. /config trader); tokens, keys and passwords are replaced by ***.',
  several: { usage: '/config SYMBOL [key]', help: 'A bot of several symbols: /config SYMBOL [key] shows that symbol’s.' },
  async run(ctx: BotContext, args) {
    const picked = withSymbolArg(ctx.itb, args, config);
    const clean = sanitizeConfig(picked.config);
    // A self-hosted Bot API URL may carry credentials; say only whether it is set.
    const tg = clean.telegram as Record<string, unknown> | undefined;
    if (tg) tg.api_root = tg.api_root ? '(set)' : '';
    const key = picked.args.join(' ').trim();
    if (key) {
      if (!(key in clean)) {
        await ctx.reply(`There is no config key "${key}" (keys: ${Object.keys(clean).join(', ')}).`);
        return;
      }
      await replyLong(ctx, `${key}: ${compactJson(clean[key])}`);
      return;
    }
    await replyLong(ctx, compactJson(clean));
  },
};
