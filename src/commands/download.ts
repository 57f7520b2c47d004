import type { BotContext } from '../bot/context.ts';
import { startJobWithProgress } from '../bot/progressMessage.ts';
import { requireService } from '../bot/reply.ts';
import { servedSymbols, severalSymbols, symbolServices } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const download: BotCommandDef = {
  name: 'download',
  role: 'admin',
  startsJob: true,
  summary: 'Download new candles',
  usage: '/download',
  help: 'Brings the klines of every data source up to date; one message shows the progress.',
  several: { usage: '/download [SYMBOL]', help: 'A bot of several symbols downloads each symbol in turn (or only the one named).' },
  async run(ctx: BotContext, args) {
    const rt = ctx.itb;
    if (args[0] !== undefined || !severalSymbols(rt)) {
      const { symbol, services } = symbolServices(rt, args[0], download);
      await startJobWithProgress(ctx, 'download', `Download ${symbol}`, requireService(ctx, 'download', 'Downloading', services));
      return;
    }
    const job = requireService(ctx, 'download', 'Downloading');
    await startJobWithProgress(ctx, 'download', `Download of ${servedSymbols(rt).length} symbols`, job);
  },
};
