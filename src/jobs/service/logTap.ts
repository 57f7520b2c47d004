import { maskSecrets, type Logger } from '../../shared/log.ts';

const LEVELS = ['info', 'warn', 'error', 'fatal'] as const;

/**
 * The service's recent log lines for /logs: a logger that forwards everything to the process
 * logger and keeps the last `capacity` info/warn/error lines (secrets masked) in memory, also
 * when the output level hides them (the terminal demo prints warnings only).
 */
export class LogTap {
  private readonly ring: string[] = [];
  readonly logger: Logger;

  constructor(
    base: Logger,
    private readonly capacity = 500,
    private readonly now: () => number = Date.now,
  ) {
    const record = (level: string, args: unknown[]) => this.record(level, args);
    this.logger = new Proxy(base, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if ((LEVELS as readonly string[]).includes(prop as string)) {
          return (...args: unknown[]) => {
            record(prop as string, args);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }

  private record(level: string, args: unknown[]): void {
    const msg = args.find((a): a is string => typeof a === 'string') ?? '';
    const obj = args[0];
    const err = obj && typeof obj === 'object' && 'err' in obj ? ` (${String((obj as { err: unknown }).err)})` : '';
    const time = new Date(this.now()).toISOString().slice(11, 19);
    this.ring.push(maskSecrets(`${time} ${level.toUpperCase()} ${msg}${err}`));
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** The last `n` lines, oldest first. */
  lines(n: number): string[] {
    return this.ring.slice(-Math.max(0, n));
  }
}
