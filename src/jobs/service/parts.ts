import path from 'node:path';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../log.ts';
import type { DiagramRenderer, DiagramTransaction } from './diagram.ts';
import { ConsolePublisher } from './outputs/consolePublisher.ts';
import type { BarOutput, ChannelPublisher } from './ports.ts';

/** The pieces outputs are made of in this process: where posts go, how charts are drawn, the trader. */
export interface OutputParts {
  publisher: ChannelPublisher;
  render?: DiagramRenderer;
  trader?: (generator: string, raw: Record<string, unknown>, where: string) => BarOutput;
  transactions?: () => DiagramTransaction[];
  close(): Promise<void>;
}

/**
 * Output parts for a one-shot run (`itb output`) or a service without its own bot: posts go to
 * the terminal and charts to files in the state folder.
 */
export async function outputParts(_config: Config, opts: { folder: string; log: Logger; publisher?: ChannelPublisher }): Promise<OutputParts> {
  const publisher = opts.publisher ?? new ConsolePublisher(path.join(opts.folder, 'charts'));
  return { publisher, close: async () => {} };
}
