import path from 'node:path';
import { createBot, openBotStore, type ItbBot } from '../../bot/createBot.ts';
import { botStateFolder } from '../../bot/state.ts';
import type { Config } from '../../config/schema.ts';
import { openTrader } from '../../core/trader/openTrader.ts';
import type { Logger } from '../../log.ts';
import type { DiagramRenderer, DiagramTransaction } from './diagram.ts';
import { renderDiagram } from './diagramRenderer.ts';
import { ConsolePublisher } from './outputs/consolePublisher.ts';
import { TraderOutput, parseTraderOutputConfig } from './outputs/traderOutput.ts';
import type { BarOutput, ChannelPublisher } from './ports.ts';

/** The pieces outputs are made of in this process: where posts go, how charts are drawn, the trader. */
export interface OutputParts {
  publisher: ChannelPublisher;
  render?: DiagramRenderer;
  trader?: (generator: string, raw: Record<string, unknown>, where: string) => BarOutput;
  transactions?: () => DiagramTransaction[];
  close(): Promise<void>;
}

/** The bot's publisher as the outputs' channel: score bands decided by the bot (with subscribers' settings). */
export function botChannel(bot: ItbBot): ChannelPublisher {
  const p = bot.publisher;
  return {
    publish: async (text, options) => void p.publishText(text, { markdown: true, key: options?.key }),
    publishPhoto: async (png, caption, options) => void p.publishDiagram(png, caption, { key: options?.key }),
    publishScore: async (notifier, bar) => void (await p.publishScore(notifier, bar)),
  };
}

/** How long a one-shot run waits for its posts to reach Telegram. */
const DELIVERY_MS = 60_000;

/**
 * Output parts for a one-shot run (`itb output`): with a Telegram token the posts go through the
 * bot's outbox (delivered before `close()` returns), otherwise to the terminal with charts as files.
 * The trader is the service's (same state files), on the wall clock.
 */
export async function outputParts(config: Config, opts: { folder: string; log: Logger }): Promise<OutputParts> {
  let bot: ItbBot | null = null;
  if (config.telegram.token) {
    bot = createBot({ config, store: await openBotStore(botStateFolder(config)), log: opts.log });
    bot.startOutbox();
  }
  const publisher = bot ? botChannel(bot) : new ConsolePublisher(path.join(opts.folder, 'charts'));
  const { trader } = await openTrader(config, { clock: Date.now, log: opts.log });
  let started = false;
  return {
    publisher,
    render: (data) => renderDiagram(data),
    trader: (generator, raw) => {
      const output = new TraderOutput(generator, parseTraderOutputConfig(raw), trader, publisher, opts.log);
      return {
        name: output.name,
        run: async (bar) => {
          if (!started) {
            for (const note of await trader.start()) opts.log.info(`trader: ${note}`);
            started = true;
          }
          await output.run(bar);
        },
      };
    },
    transactions: () => trader.executions(500).map((e) => ({ time: e.time, side: e.side === 'buy' ? 'BUY' : 'SELL' })),
    async close() {
      if (!bot) return;
      if (bot.publisher.outbox.pending) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([bot.publisher.outbox.idle(), new Promise<void>((r) => (timer = setTimeout(r, DELIVERY_MS)))]);
        clearTimeout(timer);
      }
      await bot.stop();
    },
  };
}
