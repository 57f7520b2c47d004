import path from 'node:path';
import { botStateFolder, stageFile, stateFolder } from '../config/load.ts';
import { matchSymbol } from '../config/symbolNames.ts';
import { UserError, describeError } from '../shared/errors.ts';
import { frameRowToCandle } from '../core/klines.ts';
import { formatTime, parseFreq } from '../core/time.ts';
import { resolveDataFile } from '../storage/csv.ts';
import { readTable } from '../storage/table.ts';
import type { JobContext } from '../jobs/context.ts';
import { createOutputs } from '../jobs/service/outputs/index.ts';
import { RecentBars } from '../jobs/service/recentBars.ts';
import { ServiceState } from '../jobs/service/state.ts';
import { renderDiagram } from '../jobs/service/diagramRenderer.ts';
import { openProcessBot } from './bot.ts';
import { openTraders, traderOutputs } from './trader.ts';
import type { Trader } from '../core/trader/trader.ts';
import type { ChannelPublisher } from '../jobs/service/ports.ts';

/** How long a one-shot run waits for its posts to reach Telegram. */
const DELIVERY_MS = 60_000;

/**
 * `itb output -c FILE` (spec §1.3 output): runs output_sets once on the last row of signals.csv,
 * as one tick of the service would: notifications to the channel (or the terminal without a
 * token), the diagram, the trader. Output state (the previous score band) persists between runs.
 * Several symbols (several -c, a config's `symbols`; `--symbol` picks some) run as the service
 * runs them: one bot (each symbol's channel and tag) and their traders on one account.
 */
export async function run(ctx: JobContext): Promise<number> {
  const all = ctx.symbols ?? [{ config: ctx.config, file: ctx.configFile, label: '' }];
  const configs = all.map((s) => s.config);
  const named = (ctx.symbolArgs ?? []).flatMap((a) => a.split(',')).filter(Boolean);
  const chosen = named.length ? new Set(named.map((n) => matchSymbol(n, configs.map((c) => c.symbol)))) : undefined;
  const { config, log } = ctx;
  // Posts go through the bot's outbox with a token (delivered before the run ends), else to the terminal.
  const bot = await openProcessBot(config, { withoutToken: 'console', folder: stateFolder(config), botFolder: botStateFolder(config), symbols: configs, log });
  bot.startOutbox();
  try {
    // The traders are the service's (same state files, one account), on the wall clock.
    const { traders } = await openTraders(configs, { clock: Date.now, log });
    if (all.length === 1) return await runOnLastRow(ctx, bot.publisher, traders[0]!.trader);
    let code = 0;
    for (const [i, s] of all.entries()) {
      if (chosen && !chosen.has(s.config.symbol)) continue;
      const symbolCtx: JobContext = { ...ctx, config: s.config, configFile: s.file, log: log.child({ symbol: s.config.symbol }) };
      // A failing symbol is named; the others still run.
      code = Math.max(code, await runOnLastRow(symbolCtx, bot.publisherFor(s.config.symbol), traders[i]!.trader).catch((e: unknown) => {
        console.error(`${s.config.symbol}: failed: ${describeError(e)}`);
        return 1;
      }));
    }
    return code;
  } finally {
    await bot.drain(DELIVERY_MS);
    await bot.close();
  }
}

/** One symbol's output_sets on the last row of its signals.csv; the trader is started when a trader output first runs. */
async function runOnLastRow(ctx: JobContext, publisher: ChannelPublisher, trader: Trader): Promise<number> {
  const { config, log } = ctx;
  const freq = parseFreq(config.freq);
  const file = resolveDataFile(stageFile(config, config.signal_file_name));
  const signals = await readTable(file, { timeColumn: config.time_column });
  if (!signals.length) throw new UserError(`${file} has no rows: run \`itb signals -c ${path.basename(ctx.configFile) || 'CONFIG'}\` first`);
  for (const c of ['open', 'high', 'low', 'close']) {
    if (!signals.has(c)) throw new UserError(`${file} has no "${c}" column, which the outputs need (it is carried over from the klines by features → signals)`);
  }
  const last = signals.length - 1;
  const values: Record<string, number> = {};
  for (const name of signals.columnNames()) values[name] = signals.get(name)[last]!;

  const state = await ServiceState.open(stateFolder(config));
  let traderStarted = false;
  const traders = traderOutputs(trader, publisher, log);
  const recent = new RecentBars(Math.max(1, Math.min(signals.length, 100_000)), signals.columnNames());
  const from = Math.max(0, signals.length - recent.capacity);
  for (let i = from; i < signals.length; i++) {
    const row: Record<string, number> = {};
    for (const name of recent.valueColumns) row[name] = signals.get(name)[i]!;
    recent.push(frameRowToCandle(signals, i), row);
  }
  const outputs = await createOutputs({
    config,
    configDir: ctx.configFile ? path.dirname(ctx.configFile) : process.cwd(),
    freq,
    publisher,
    recent: () => recent,
    log,
    render: renderDiagram,
    transactions: traders.transactions,
    trader: (generator, raw, where) => {
      const output = traders.trader!(generator, raw, where);
      return {
        name: output.name,
        run: async (bar, slot) => {
          if (!traderStarted) {
            for (const note of await trader.start()) log.info(`trader: ${note}`);
            traderStarted = true;
          }
          await output.run(bar, slot);
        },
      };
    },
  });
  const bar = {
    candle: frameRowToCandle(signals, last),
    scored: { time: signals.time[last]!, values, complete: true, computeMs: 0 },
    fresh: true,
  };
  log.info(`running ${outputs.length} output(s) on the row of ${formatTime(bar.candle.time)} from ${file}`);
  let code = 0;
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs[i]!;
    const key = `${i}:${output.name}`;
    try {
      await output.run(bar, {
        get: <T>() => state.data.outputs[key] as T | undefined,
        set: <T>(v: T) => {
          state.data.outputs[key] = v;
        },
      });
    } catch (e) {
      // As in the original, a failing output stops the ones after it.
      console.error(`output_sets[${i}] (${output.name}) failed: ${describeError(e)}`);
      code = 1;
      break;
    }
  }
  await state.flush();
  return code;
}
