import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, stateFolder, traderFiles } from '../config/load.ts';
import { expandSymbols, type SymbolConfig } from '../config/symbols.ts';
import { UserError } from '../shared/errors.ts';
import { DAY, formatTime, parseFreq } from '../core/time.ts';
import { readCsv, resolveDataFile } from '../storage/csv.ts';
import { setLogLevel } from '../shared/log.ts';
import type { JobContext } from '../jobs/context.ts';
import { claimDemoFolder, demoTrainingReason, trainFromKlines, writeDemoKlines } from '../jobs/service/demo.ts';
import { lockServiceFolders } from '../jobs/service/serviceLock.ts';
import { lastGoodCopyOf } from '../storage/jsonStore.ts';
import { runService } from './service.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EMBEDDED_CONFIG = path.join(PROJECT_ROOT, 'src/config/samples/embedded.jsonc');
/** `npm start -- --symbols`: BTCUSDT and ETHUSDT at 1h in one process. */
const DEMO_2SYMBOLS_CONFIG = path.join(PROJECT_ROOT, 'src/config/samples/demo-2symbols.jsonc');

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
  /** The two-symbol demo (src/config/samples/demo-2symbols.jsonc) instead of the embedded default. */
  symbols?: boolean;
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
    else if (a === '--symbols') o.symbols = true;
    else throw new UserError(`unknown option "${a}" (${USAGE})`);
  }
  return o;
}

/** A bundled config's symbols with their relative folders resolved against the project, so `npm start` works from anywhere. */
function bundledSymbols(file: string): SymbolConfig[] {
  // No config file of the user's: /reload reads the bundled one again (reloadBundled below).
  return expandSymbols(loadConfig(file)).map((s) => ({
    ...s,
    file: '',
    config: {
      ...s.config,
      data_folder: path.resolve(PROJECT_ROOT, s.config.data_folder),
      replay: { ...s.config.replay, file: path.resolve(PROJECT_ROOT, s.config.replay.file) },
    },
  }));
}

/** A bundled demo's own folder in the project (var/demo, var/demo-symbols: its data_folder). */
function projectDemoFolder(file: string): string {
  return path.resolve(PROJECT_ROOT, loadConfig(file, {}).config.data_folder);
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
  const bundled = opts.symbols ? DEMO_2SYMBOLS_CONFIG : EMBEDDED_CONFIG;
  let symbols: SymbolConfig[] = ctx.configFile ? (ctx.symbols ?? [{ config: ctx.config, file: ctx.configFile, label: path.basename(ctx.configFile) }]) : bundledSymbols(bundled);
  const live = opts.live || !!symbols[0]!.config.telegram.token;
  if (live) symbols = symbols.map((s) => (s.config.venue === 'replay' ? { ...s, config: { ...s.config, venue: s.config.exchange.id || 'binance' } } : s));
  const first = symbols[0]!.config;
  const freq = parseFreq(first.freq);

  const samples = symbols.map(({ config }) => {
    const file = resolveDataFile(config.replay.file);
    if (!fs.existsSync(file)) throw new UserError(`the bundled sample ${config.replay.file} is missing (a fresh clone has it under data/sample/)`);
    return file;
  });
  for (const { config } of symbols) claimDemoFolder(config, projectDemoFolder(bundled));
  const releases = symbols.map(({ config }) => lockServiceFolders(config, 'itb start', ctx.log));
  try {
    const frames = samples.map((file, i) => readCsv(file, { timeColumn: symbols[i]!.config.time_column }));
    // Symbols replay the same bars: those up to the end of the sample that ends first.
    const last = Math.min(...frames.map((f) => f.time[f.length - 1]!));
    const bars = opts.bars ?? Math.round((opts.days * DAY) / freq.ms);
    const replayStart = live ? last + freq.ms : Math.max(...frames.map((f) => f.time[0]!), last - (bars - 1) * freq.ms);

    const started = performance.now();
    for (const [i, { config }] of symbols.entries()) {
      const sample = frames[i]!;
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
    }
    if (symbols.length > 1) ctx.log.info(`the models and signals of ${symbols.length} symbols were ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The terminal shows the channel and the chat; a log line per bar would drown them (LOG_LEVEL=info brings them back).
    if (!live && !process.env.LOG_LEVEL) setLogLevel('warn');
    const speed = opts.speed ?? first.replay.speed;
    if (!live) {
      const pace = speed ? `${speed}× real time` : 'as fast as possible';
      const names = symbols.map((s) => s.config.symbol).join(', ');
      process.stdout.write(`Replaying ${names} ${first.freq} from ${formatTime(replayStart)} UTC (${bars} bars, ${pace}); channel posts are shown as "channel>".\n`);
    }

    const reloadBundled = (symbol: string) => {
      const again = bundledSymbols(bundled).find((s) => s.config.symbol === symbol)!.config;
      return { ...again, venue: symbols[0]!.config.venue };
    };
    return await runService(
      { ...ctx, config: first, configFile: symbols[0]!.file, symbols: symbols.length > 1 ? symbols : undefined },
      {
        mode: 'start',
        reloadConfig: ctx.configFile ? undefined : reloadBundled,
        replay: live ? undefined : { start: replayStart, speed, maxTicks: opts.bars ?? 0, baseDir: PROJECT_ROOT },
        terminalChat: opts.noChat ? 'off' : process.stdin.isTTY ? 'interactive' : opts.chat ? 'piped' : 'off',
      },
    );
  } finally {
    for (const release of releases.reverse()) release();
  }
}
