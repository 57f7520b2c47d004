import path from 'node:path';
import { writeFileAtomic } from '../../../storage/atomic.ts';
import type { ChannelPublisher } from '../ports.ts';

/**
 * The channel when there is no Telegram: posts are printed (as `📣 text`), photos are written
 * to `folder` and their file named. Used by `itb serve` without a token and by `itb output`.
 */
export class ConsolePublisher implements ChannelPublisher {
  readonly posts: string[] = [];

  constructor(
    private readonly folder: string,
    private readonly write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  ) {}

  async publish(text: string): Promise<void> {
    this.posts.push(text);
    this.write(`📣 ${text}`);
  }

  async publishPhoto(png: Uint8Array, caption: string, options: { key?: string } = {}): Promise<void> {
    const name = `${(options.key ?? `chart-${Date.now()}`).replace(/[^\w.-]+/g, '-')}.png`;
    const file = path.join(this.folder, name);
    writeFileAtomic(file, png);
    this.posts.push(`[chart] ${file}`);
    this.write(`📣 [chart${caption ? `: ${caption}` : ''}] ${file}`);
  }
}
