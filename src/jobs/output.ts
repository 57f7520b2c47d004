import path from 'node:path';
import { stageFile } from '../config/load.ts';
import { UserError, describeError } from '../core/errors.ts';
import { frameRowToCandle } from '../core/klines.ts';
import { formatTime, parseFreq } from '../core/time.ts';
import { resolveDataFile } from '../storage/csv.ts';
import { readTable } from '../storage/table.ts';
import type { JobContext } from './context.ts';
import { createOutputs } from './service/outputs/index.ts';
import { RecentBars } from './service/recentBars.ts';
import { ServiceState, stateFolder } from './service/state.ts';
import { outputParts } from './service/parts.ts';

/**
 * `itb output -c FILE` (spec §1.3 output): runs output_sets once on the last row of signals.csv,
 * as one tick of the service would: notifications to the channel (or the terminal without a
 * token), the diagram, the trader. Output state (the previous score band) persists between runs.
 */
export async function run(ctx: JobContext): Promise<number> {
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

  const folder = stateFolder(config);
  const state = await ServiceState.open(folder);
  const parts = await outputParts(config, { folder, log });
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
    publisher: parts.publisher,
    recent: () => recent,
    log,
    render: parts.render,
    trader: parts.trader,
    transactions: parts.transactions,
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
  await parts.close();
  return code;
}
