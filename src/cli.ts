import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSymbols } from './config/symbolNames.ts';
import { loadSymbolConfigs, selectSymbols } from './config/symbols.ts';
import { describeError, isUserError, UserError } from './shared/errors.ts';
import { log, logLevelEnvProblem, registerSecret, setLogLevel } from './shared/log.ts';
import { terminalProgress } from './shared/progress.ts';
import type { Job, JobContext } from './jobs/context.ts';

interface Command {
  summary: string;
  /** Its module, exporting `run`: a stage in jobs/, or a process built by app/ (imported only when run). */
  load: () => Promise<{ run: Job }>;
  /** Whether `-c FILE` is required. */
  needsConfig: boolean;
  usage?: string;
  /**
   * With several symbols: 'each' (default) runs the command for each symbol in turn, `concurrency`
   * of them at a time; 'process' hands the module all of them (the service); 'account' hands it
   * all of them and the `--symbol` values as `ctx.symbolArgs` (the shared trading account: `trades`, `output`);
   * 'one' needs `--symbol`.
   */
  symbols?: 'each' | 'process' | 'account' | 'one';
  concurrency?: number;
  /** With several symbols: share them out to this many processes (stages whose work is mostly on one thread). */
  processes?: number;
}

/** One process per core (at most two) for the stages that compute on one thread. */
const LANES = Math.max(1, Math.min(2, os.availableParallelism()));

/** The CLI's commands; underscore spellings of the original (predict_rolling) work too. */
export const COMMANDS: Record<string, Command> = {
  // Several symbols download at once (within one request budget); the stages that compute share them out to a process per core.
  download: { summary: 'download candles from the exchange into data_folder/<folder>/klines.csv', load: () => import('./jobs/download.ts'), needsConfig: true, concurrency: 4 },
  import: {
    summary: 'import Binance dump CSVs or our CSV/CSV.gz files into a klines.csv',
    load: () => import('./jobs/import.ts'),
    needsConfig: true,
    usage: 'itb import -c CONFIG FILE… [--folder NAME]',
    symbols: 'one',
  },
  merge: { summary: 'merge data sources onto a regular time grid → data.csv', load: () => import('./jobs/merge.ts'), needsConfig: true, processes: LANES },
  features: { summary: 'compute feature_sets → features.csv', load: () => import('./jobs/features.ts'), needsConfig: true, processes: LANES },
  labels: { summary: 'compute label_sets → matrix.csv', load: () => import('./jobs/labels.ts'), needsConfig: true, processes: LANES },
  train: { summary: 'train every label × algorithm → MODELS/', load: () => import('./jobs/train.ts'), needsConfig: true, processes: LANES },
  predict: { summary: 'predict with the trained models → predictions.csv', load: () => import('./jobs/predict.ts'), needsConfig: true, processes: LANES },
  'predict-rolling': { summary: 'walk-forward training and prediction → predictions.csv', load: () => import('./jobs/predictRolling.ts'), needsConfig: true },
  signals: { summary: 'compute signal_sets → signals.csv', load: () => import('./jobs/signals.ts'), needsConfig: true, processes: LANES },
  simulate: { summary: 'backtest and grid-search the signal thresholds → signal_models.txt', load: () => import('./jobs/simulate.ts'), needsConfig: true },
  backtest: {
    summary: 'backtest the signal rule over a period with fees: report and chart (as /backtest in the chat)',
    load: () => import('./jobs/backtestCli.ts'),
    needsConfig: true,
    usage: 'itb backtest -c CONFIG [30d | 2025-01-01..2025-02-01] [buy=0.1 sell=-0.1] [long|short|both]',
  },
  output: { summary: "run output_sets on the last row of signals.csv (notifications, trader)", load: () => import('./app/output.ts'), needsConfig: true, symbols: 'account' },
  serve: { summary: 'the online service: every bar fetch, score, notify, trade; the Telegram bot', load: () => import('./app/serve.ts'), needsConfig: true, symbols: 'process' },
  trades: {
    summary: 'show the trader’s balance, profit and recent trades',
    load: () => import('./app/trades.ts'),
    needsConfig: true,
    usage: 'itb trades -c CONFIG [-c CONFIG2 …] [--symbol S] [N]',
    symbols: 'account',
  },
  start: { summary: 'the embedded default: the service on the bundled sample, replayed, with a terminal chat', load: () => import('./app/start.ts'), needsConfig: false, symbols: 'process' },
};

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
  return [
    'usage: itb <command> -c CONFIG.jsonc [-c CONFIG2.jsonc …] [--symbol S] [options]',
    '',
    'commands:',
    ...lines,
    '',
    'options:',
    '  -c, --config FILE  a config file (the original ITB JSONC files work as they are); several run their symbols in one process',
    '  --symbol S         only this symbol (eth, ETH/USDT, ETHUSDT; repeat or S1,S2 for several)',
    '  -h, --help         this help',
  ].join('\n');
}

interface Parsed {
  command: string;
  /** The first `-c` file. */
  configFile?: string;
  /** Every `-c` file, in order. */
  configFiles: string[];
  /** `--symbol` values (matched forgivingly against the configs' symbols). */
  symbols: string[];
  rest: string[];
  help: boolean;
}

export function parseArgs(argv: string[]): Parsed {
  const rest: string[] = [];
  const configFiles: string[] = [];
  const symbols: string[] = [];
  let help = false;
  let command = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config' || a === '--config_file') {
      const v = argv[++i];
      if (!v) throw new UserError(`${a} needs a file name (usage: itb <command> -c CONFIG.jsonc)`);
      configFiles.push(v);
    } else if (a.startsWith('--config=')) configFiles.push(a.slice('--config='.length));
    else if (a === '--symbol') {
      const v = argv[++i];
      if (!v) throw new UserError('--symbol needs a symbol (e.g. --symbol ETHUSDT)');
      symbols.push(v);
    } else if (a.startsWith('--symbol=')) symbols.push(a.slice('--symbol='.length));
    else if (a === '-h' || a === '--help') help = true;
    else if (!command && !a.startsWith('-')) command = a.replace(/_/g, '-');
    else rest.push(a);
  }
  return { command, configFile: configFiles[0], configFiles, symbols, rest, help };
}

export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    console.error(describeError(e));
    return 2;
  }
  if (!parsed.command || (parsed.help && !parsed.command)) {
    console.log(helpText());
    return parsed.command || parsed.help ? 0 : 2;
  }
  const cmd = COMMANDS[parsed.command];
  if (!cmd) {
    console.error(`unknown command "${parsed.command}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  if (parsed.help) {
    console.log(`${cmd.usage ?? `itb ${parsed.command} -c CONFIG.jsonc`}\n\n${cmd.summary}`);
    return 0;
  }
  if (cmd.needsConfig && !parsed.configFile) {
    console.error(`itb ${parsed.command} needs a config file (usage: ${cmd.usage ?? `itb ${parsed.command} -c CONFIG.jsonc`})`);
    return 2;
  }
  const levelProblem = logLevelEnvProblem(process.env.LOG_LEVEL);
  if (levelProblem) {
    console.error(levelProblem);
    return 2;
  }
  const logger = log();
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    let ctx: JobContext;
    if (parsed.configFile) {
      const loaded = loadSymbolConfigs(parsed.configFiles);
      for (const w of loaded.warnings) logger.warn(w);
      for (const { config } of loaded.symbols) {
        registerSecret(config.telegram.token);
        registerSecret(config.exchange.api_key);
        registerSecret(config.exchange.api_secret);
      }
      const mode = cmd.symbols ?? 'each';
      // The shared account opens every symbol; --symbol picks what it shows.
      const symbols = mode === 'account' ? loaded.symbols : selectSymbols(loaded.symbols, parsed.symbols);
      const first = symbols[0]!;
      setLogLevel(first.config.log_level);
      ctx = { config: first.config, configFile: first.file, args: parsed.rest, log: logger, progress: terminalProgress(), signal: controller.signal };
      // A process started by runForSymbols reports to it, also with a single symbol.
      const events = process.env.ITB_SYMBOL_EVENTS === '1';
      if (mode === 'account') ctx.symbolArgs = parsed.symbols;
      if (symbols.length > 1 && mode === 'one') {
        throw new UserError(`itb ${parsed.command} works on one symbol, and these configs have ${symbols.length} (${describeSymbols(symbols.map((s) => s.config.symbol))}): choose one with --symbol S`);
      }
      if ((symbols.length > 1 || events) && mode === 'each') {
        const { runForSymbols } = await import('./app/symbols.ts');
        const again = (share: string[]) => [parsed.command, ...parsed.configFiles.flatMap((f) => ['-c', f]), ...parsed.rest, '--symbol', share.join(',')];
        const processes = cmd.processes ? { count: cmd.processes, argv: again } : undefined;
        return await runForSymbols(parsed.command, cmd.load, ctx, symbols, { concurrency: cmd.concurrency ?? 1, processes, events });
      }
      if (symbols.length > 1) ctx.symbols = symbols;
    } else {
      if (parsed.symbols.length) throw new UserError(`--symbol chooses among the symbols of the -c config files, and none was given (usage: ${cmd.usage ?? `itb ${parsed.command} -c CONFIG.jsonc`})`);
      const { buildConfig } = await import('./config/load.ts');
      ctx = { config: buildConfig({}).config, configFile: '', args: parsed.rest, log: logger, progress: terminalProgress(), signal: controller.signal };
    }
    const mod = await cmd.load();
    const code = await mod.run(ctx);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (isUserError(e)) {
      console.error(e.message);
      return e.exitCode;
    }
    console.error(`itb ${parsed.command} failed: ${describeError(e)}`);
    if (process.env.LOG_LEVEL === 'debug' && e instanceof Error) console.error(e.stack);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** Root of the project (for bundled samples). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
