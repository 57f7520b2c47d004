import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { DAY, formatTime, parseFreq } from '../core/time.ts';
import { readCsv, resolveDataFile } from '../storage/csv.ts';
import { setLogLevel } from '../log.ts';
import type { JobContext } from './context.ts';
import { claimDemoFolder, demoTrainingReason, trainFromKlines, writeDemoKlines } from './service/demo.ts';
import { lockServiceFolders } from './service/serviceLock.ts';
import { lastGoodCopyOf } from '../storage/jsonStore.ts';
import { runService } from './service/run.ts';
import { stateFolder } from './service/state.ts';
import { traderFiles } from '../core/trader/openTrader.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EMBEDDED_CONFIG = path.join(PROJECT_ROOT, 'src/config/samples/embedded.jsonc');

export interface StartOptions {
  /** Replay speed (N× real time); 0 = as fast as possible. */
  speed?: number;
  /** Replay only the last N bars, then exit. */
  bars?: number;
  /** Replay the last N days (default 2) when --bars is not given. */
  days: number;
  /** Candles from the exchange instead of the replay file. */
  live: boolean;
  /** No terminal chat even on a terminal. */
  noChat: boolean;
  /** Read chat commands from stdin even when it is not a terminal (e.g. piped). */
  chat: boolean;
}

const USAGE = 'usage: npm start -- [--fast | --speed N] [--bars N | --days N] [--live] [--chat | --no-chat] [-c CONFIG.jsonc]';

export function parseStartArgs(args: string[]): StartOptions {
  const o: StartOptions = { days: 2, live: false, noChat: false, chat: false };
  const num = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new UserError(`${flag} needs a number ≥ ${min} (${USAGE})`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--fast') o.speed = 0;
    else if (a === '--speed') o.speed = num(a, args[++i], 0);
    else if (a === '--bars') o.bars = Math.floor(num(a, args[++i], 1));
    else if (a === '--days') o.days = num(a, args[++i], 0.01);
    else if (a === '--live') o.live = true;
    else if (a === '--no-chat') o.noChat = true;
    else if (a === '--chat') o.chat = true;
    else throw new UserError(`unknown option "${a}" (${USAGE})`);
  }
  return o;
}

/** The embedded config with its relative folders resolved against the project, so `npm start` works from anywhere. */
export function embeddedConfig(): Config {
  const { config } = loadConfig(EMBEDDED_CONFIG);
  return {
    ...config,
    data_folder: path.resolve(PROJECT_ROOT, config.data_folder),
    replay: { ...config.replay, file: path.resolve(PROJECT_ROOT, config.replay.file) },
  };
}

/** The demo's own folder, var/demo of the project (the embedded config's data_folder). */
function projectDemoFolder(): string {
  return path.resolve(PROJECT_ROOT, loadConfig(EMBEDDED_CONFIG, {}).config.data_folder);
}

/**
 * `npm start`, the embedded default. Without a token: the bundled real sample is copied into
 * var/demo, models are trained on the part before the replay unless a usable set is there, and
 * the last days are replayed bar by bar with the channel posts printed and a terminal chat. With
 * TELEGRAM_BOT_TOKEN (or --live) it is the service on live exchange candles. It resets only a
 * folder of its own (claimDemoFolder), under the service lock.
 */
export async function run(ctx: JobContext): Promise<number> {
  const opts = parseStartArgs(ctx.args);
  let config = ctx.configFile ? ctx.config : embeddedConfig();
  const live = opts.live || !!config.telegram.token;
  if (live && config.venue === 'replay') config = { ...config, venue: config.exchange.id || 'binance' };
  const freq = parseFreq(config.freq);

  const sampleFile = resolveDataFile(config.replay.file);
  if (!fs.existsSync(sampleFile)) throw new UserError(`the bundled sample ${config.replay.file} is missing (a fresh clone has it under data/sample/)`);
  claimDemoFolder(config, projectDemoFolder());
  const release = lockServiceFolders(config, 'itb start', ctx.log);
  try {
    const sample = readCsv(sampleFile, { timeColumn: config.time_column });
    const last = sample.time[sample.length - 1]!;
    const bars = opts.bars ?? Math.round((opts.days * DAY) / freq.ms);
    const replayStart = live ? last + freq.ms : Math.max(sample.time[0]!, last - (bars - 1) * freq.ms);

    const training = await demoTrainingReason(config, live ? null : replayStart, freq.ms);
    if (training) {
      const klines = writeDemoKlines(config, sample, replayStart);
      (training.warn ? ctx.log.warn : ctx.log.info).call(ctx.log, `${training.reason}: training on ${path.relative(process.cwd(), klines)} (candles up to ${formatTime(replayStart - freq.ms)})`);
      await trainFromKlines({ ...ctx, config });
    } else if (!live) {
      // The signals /backtest reads are this replay's: scored on the candles before it, never a file an earlier run left.
      writeDemoKlines(config, sample, replayStart);
      await trainFromKlines({ ...ctx, config }, { train: false });
    }
    if (!live) {
      // Every demo replays from its start with a fresh paper wallet: state from a run that went
      // further would make the trader skip the bars it has already seen.
      fs.rmSync(stateFolder(config), { recursive: true, force: true });
      const trader = traderFiles(config);
      for (const f of [trader.state, lastGoodCopyOf(trader.state), trader.transactions]) fs.rmSync(f, { force: true });
    }
    // The terminal shows the channel and the chat; a log line per bar would drown them (LOG_LEVEL=info brings them back).
    if (!live && !process.env.LOG_LEVEL) setLogLevel('warn');
    const speed = opts.speed ?? config.replay.speed;
    if (!live) {
      const pace = speed ? `${speed}× real time` : 'as fast as possible';
      process.stdout.write(`Replaying ${config.symbol} ${config.freq} from ${formatTime(replayStart)} UTC (${bars} bars, ${pace}); channel posts are shown as "channel>".\n`);
    }

    return await runService(
      { ...ctx, config },
      {
        mode: 'start',
        reloadConfig: ctx.configFile ? undefined : () => ({ ...embeddedConfig(), venue: config.venue }),
        replay: live ? undefined : { start: replayStart, speed, maxTicks: opts.bars ?? 0, baseDir: PROJECT_ROOT },
        terminalChat: opts.noChat ? 'off' : process.stdin.isTTY ? 'interactive' : opts.chat ? 'piped' : 'off',
      },
    );
  } finally {
    release();
  }
}
