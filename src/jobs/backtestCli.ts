import { writeFileAtomic } from '../storage/atomic.ts';
import { parseBacktestArgs, runBacktest } from './backtest.ts';
import { signalModelsPath } from './walkForward.ts';
import type { JobContext } from './context.ts';

/**
 * `itb backtest -c FILE [30d | 2025-01-01..2025-02-01] [buy=0.1 sell=-0.1] [long|short|both]`:
 * the bot's /backtest in the terminal — the report printed, the chart written beside signals.csv.
 */
export async function run(ctx: JobContext): Promise<number> {
  const result = await runBacktest(ctx.config, parseBacktestArgs(ctx.args));
  const png = signalModelsPath(ctx.config, 'backtest.png');
  writeFileAtomic(png, result.chartPng);
  console.log(result.plain.join('\n'));
  console.log(`\nchart: ${png}`);
  return 0;
}
