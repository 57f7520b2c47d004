import type { BotContext } from '../bot/context.ts';
import { startJobWithProgress } from '../bot/progressMessage.ts';
import { requireService } from '../bot/reply.ts';
import { eachSymbolJob, severalSymbols, symbolServices, type SymbolJob } from '../bot/symbols.ts';
import { UserError } from '../shared/errors.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const train: BotCommandDef = {
  name: 'train',
  role: 'admin',
  startsJob: true,
  summary: 'Train the models',
  usage: '/train',
  help: 'Trains every model of the config as a background job. One message shows the stage, percent and ETA, and ends with the metrics. /cancel stops it.',
  several: { usage: '/train SYMBOL|all', help: 'A bot of several symbols: /train SYMBOL, or /train all for each symbol in turn.' },
  async run(ctx: BotContext, args) {
    const rt = ctx.itb;
    const all = args[0]?.toLowerCase() === 'all';
    if (all && severalSymbols(rt)) {
      const jobs = [...rt.services.symbols!].filter(([, s]) => s.train).map(([symbol, s]): [string, SymbolJob] => [symbol, (p, signal) => s.train!(p, signal)]);
      if (!jobs.length) throw new UserError('Training is not available in this process yet.');
      await startJobWithProgress(ctx, 'train', `Training ${jobs.length} symbols`, (p, signal) => eachSymbolJob(jobs, p, signal));
      return;
    }
    const { symbol, services } = symbolServices(rt, all ? undefined : args[0], train);
    const job = requireService(ctx, 'train', 'Training', services);
    await startJobWithProgress(ctx, 'train', `Training ${symbol}`, job);
  },
};
