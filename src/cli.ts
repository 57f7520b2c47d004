import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config/load.ts';
import { describeError, isUserError, UserError } from './core/errors.ts';
import { log, logLevelEnvProblem, registerSecret, setLogLevel } from './log.ts';
import { terminalProgress } from './jobs/progress.ts';
import type { Job, JobContext } from './jobs/context.ts';

interface Command {
  summary: string;
  /** Module under src/jobs exporting `run`. */
  module: string;
  /** Whether `-c FILE` is required. */
  needsConfig: boolean;
  usage?: string;
}

/** The CLI's commands; underscore spellings of the original (predict_rolling) work too. */
export const COMMANDS: Record<string, Command> = {
  download: { summary: 'download candles from the exchange into data_folder/<folder>/klines.csv', module: 'download', needsConfig: true },
  import: {
    summary: 'import Binance dump CSVs or our CSV/CSV.gz files into a klines.csv',
    module: 'import',
    needsConfig: true,
    usage: 'itb import -c CONFIG FILE… [--folder NAME]',
  },
  merge: { summary: 'merge data sources onto a regular time grid → data.csv', module: 'merge', needsConfig: true },
  features: { summary: 'compute feature_sets → features.csv', module: 'features', needsConfig: true },
  labels: { summary: 'compute label_sets → matrix.csv', module: 'labels', needsConfig: true },
  train: { summary: 'train every label × algorithm → MODELS/', module: 'train', needsConfig: true },
  predict: { summary: 'predict with the trained models → predictions.csv', module: 'predict', needsConfig: true },
  'predict-rolling': { summary: 'walk-forward training and prediction → predictions.csv', module: 'predictRolling', needsConfig: true },
  signals: { summary: 'compute signal_sets → signals.csv', module: 'signals', needsConfig: true },
  simulate: { summary: 'backtest and grid-search the signal thresholds → signal_models.txt', module: 'simulate', needsConfig: true },
  backtest: {
    summary: 'backtest the signal rule over a period with fees: report and chart (as /backtest in the chat)',
    module: 'backtestCli',
    needsConfig: true,
    usage: 'itb backtest -c CONFIG [30d | 2025-01-01..2025-02-01] [buy=0.1 sell=-0.1] [long|short|both]',
  },
  output: { summary: "run output_sets on the last row of signals.csv (notifications, trader)", module: 'output', needsConfig: true },
  serve: { summary: 'the online service: every bar fetch, score, notify, trade; the Telegram bot', module: 'serve', needsConfig: true },
  trades: { summary: 'show the trader’s balance, profit and recent trades', module: 'trades', needsConfig: true },
  start: { summary: 'the embedded default: the service on the bundled sample, replayed, with a terminal chat', module: 'start', needsConfig: false },
};

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
  return ['usage: itb <command> -c CONFIG.jsonc [options]', '', 'commands:', ...lines, '', 'options:', '  -c, --config FILE  the config file (the original ITB JSONC files work as they are)', '  -h, --help         this help'].join('\n');
}

interface Parsed {
  command: string;
  configFile?: string;
  rest: string[];
  help: boolean;
}

export function parseArgs(argv: string[]): Parsed {
  const rest: string[] = [];
  let configFile: string | undefined;
  let help = false;
  let command = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config' || a === '--config_file') {
      const v = argv[++i];
      if (!v) throw new UserError(`${a} needs a file name (usage: itb <command> -c CONFIG.jsonc)`);
      configFile = v;
    } else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else if (a === '-h' || a === '--help') help = true;
    else if (!command && !a.startsWith('-')) command = a.replace(/_/g, '-');
    else rest.push(a);
  }
  return { command, configFile, rest, help };
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
      const loaded = loadConfig(parsed.configFile);
      for (const w of loaded.warnings) logger.warn(w);
      registerSecret(loaded.config.telegram.token);
      registerSecret(loaded.config.exchange.api_key);
      registerSecret(loaded.config.exchange.api_secret);
      setLogLevel(loaded.config.log_level);
      ctx = { config: loaded.config, configFile: loaded.file, args: parsed.rest, log: logger, progress: terminalProgress(), signal: controller.signal };
    } else {
      const { buildConfig } = await import('./config/load.ts');
      ctx = { config: buildConfig({}).config, configFile: '', args: parsed.rest, log: logger, progress: terminalProgress(), signal: controller.signal };
    }
    const mod = (await import(`./jobs/${cmd.module}.ts`)) as { run: Job };
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
