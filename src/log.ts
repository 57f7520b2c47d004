import pino, { type Logger } from 'pino';

export type { Logger };

const secrets = new Set<string>();

/** Registers a secret value (token, API key): it is masked wherever it appears in a log line. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Replaces every registered secret in a text with `***`. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

const REDACT = [
  'token', 'secret', 'api_key', 'api_secret', 'apiKey', 'password',
  '*.token', '*.secret', '*.api_key', '*.api_secret', '*.apiKey', '*.password',
  'config.telegram.token', 'config.exchange.api_key', 'config.exchange.api_secret',
];

function build(level: string): Logger {
  const pretty = process.stderr.isTTY && !process.env.CI && process.env.LOG_FORMAT !== 'json';
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '***' },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskSecrets(a) : a));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    pretty
      ? pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } })
      : pino.destination(2),
  );
}

/** The levels LOG_LEVEL and log_level take, most severe first (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level a text names, in any case (`INFO` is `info`); undefined when it names none. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const lower = text.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined;
}

/** One sentence when the LOG_LEVEL variable is set to something that is not a level; null otherwise. */
export function logLevelEnvProblem(value: string | undefined): string | null {
  if (!value || parseLogLevel(value)) return null;
  return `LOG_LEVEL: "${value}" is not a log level (use one of ${LOG_LEVELS.join(', ')})`;
}

let root: Logger | undefined;

/** The process-wide logger (stderr; pretty on a terminal, JSON otherwise; secrets redacted). */
export function log(): Logger {
  // A LOG_LEVEL that names no level is reported by the CLI (logLevelEnvProblem); it never stops the logger.
  root ??= build(parseLogLevel(process.env.LOG_LEVEL ?? '') ?? (process.env.VITEST ? 'silent' : 'info'));
  return root;
}

export function setLogLevel(level: LogLevel): void {
  log().level = level;
}
