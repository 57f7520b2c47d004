import path from 'node:path';
import { UserError } from '../shared/errors.ts';
import type { JobContext } from '../jobs/context.ts';
import { runService } from './service.ts';

/**
 * `itb serve -c FILE`: the online service (spec §7). Every bar it fetches the new candles,
 * scores them, notifies, trades and persists its state; with a Telegram token it is also the bot.
 * On venue "replay" it plays config.replay.file on a simulated clock (config.replay.speed).
 */
export async function run(ctx: JobContext): Promise<number> {
  if (ctx.args.length) throw new UserError(`itb serve takes no arguments besides -c CONFIG.jsonc (got ${ctx.args.join(' ')})`);
  return runService(ctx, {
    mode: 'serve',
    replay: { baseDir: ctx.configFile ? path.dirname(ctx.configFile) : undefined },
  });
}
