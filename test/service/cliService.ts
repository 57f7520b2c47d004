import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildConfig, loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { runSection } from '../../src/core/generators/run.ts';
import { DAY, MINUTE, parseTime } from '../../src/core/time.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { readCsv } from '../../src/storage/csv.ts';

/**
 * `itb serve` as a user runs it, in a child process (`node bin/itb.mjs`), on a data folder of
 * the embedded config (lc models on the bundled BTCUSDT sample) replaying a stretch of the sample.
 */

export const SAMPLE = path.resolve('data/sample/BTCUSDT/klines.csv.gz');

/** The embedded config on a data folder, replaying [start, end) of the sample; score posts and the paper trader as outputs. */
export function serveRaw(dir: string, o: { start: string; end: string; speed: number; extra?: Record<string, unknown> }): Record<string, unknown> {
  const sample = loadConfig('src/config/samples/embedded.jsonc', {}).config;
  return {
    ...structuredClone(sample),
    data_folder: dir,
    venue: 'replay',
    replay: { file: SAMPLE, speed: o.speed, start: o.start, end: o.end },
    train_length: 0,
    output_sets: sample.output_sets.filter((x) => x.generator !== 'diagram_notification_model'),
    ...o.extra,
  };
}

/** Trains the config's models on the three days of the sample before `start` (into its MODELS). */
export async function trainBefore(config: Config, start: string): Promise<void> {
  const all = readCsv(SAMPLE);
  const t = parseTime(start);
  const train = all.slice(all.lowerBound(t - 3 * DAY), all.lowerBound(t - config.label_horizon * MINUTE));
  await runSection(train, config, 'feature_sets');
  await runSection(train, config, 'label_sets');
  await trainAll(config, train, { concurrency: 1 });
}

/** Writes the config file and builds the config the way the CLI will (no environment). */
export function writeConfig(dir: string, raw: Record<string, unknown>, name = 'serve.jsonc'): { file: string; config: Config } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(raw, null, 1));
  return { file, config: buildConfig(raw, { env: {} }).config };
}

export interface ItbProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr matches (rejects when the process exits first or after `timeoutMs`). */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
}

const started = new Set<ChildProcess>();

/** Kills (SIGKILL) the processes a test started that are still running: call in afterAll, so that a failed test leaves none behind. */
export function killStrays(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  started.clear();
}

/** Starts `node bin/itb.mjs …args` with JSON logs at info level and no Telegram or exchange settings from the environment. */
export function itb(args: string[], env: Record<string, string> = {}): ItbProcess {
  const child = spawn(process.execPath, ['bin/itb.mjs', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', TELEGRAM_BOT_TOKEN: '', TELEGRAM_API_ROOT: '', TELEGRAM_ADMINS: '', TELEGRAM_CHANNEL: '', EXCHANGE_API_KEY: '', EXCHANGE_API_SECRET: '', EXCHANGE_API_ROOT: '', ITB_DATA_FOLDER: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...watchers]) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of [...watchers]) w();
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitForLog(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(stderr)) finish(() => resolve());
          else if (done) finish(() => reject(new Error(`itb exited before logging ${re}:\n${stderr}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`itb did not log ${re} within ${timeoutMs} ms:\n${stderr}`))), timeoutMs);
        const finish = (f: () => void) => {
          watchers.delete(check);
          clearTimeout(timer);
          f();
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Waits for the exit, at most `ms` (the promise for a stop signal is 10 s); 'still running' otherwise. */
export async function exitWithin(p: ItbProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.exited, new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)))]);
  clearTimeout(timer);
  return r;
}

/** Log lines (JSON) of a process's stderr with their level and message. */
export function logLines(stderr: string): { level: string; msg: string }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string });
}

/** A text as a regular expression that matches exactly it (for paths in expected log lines). */
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
