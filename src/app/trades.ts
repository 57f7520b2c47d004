import fs from 'node:fs';
import { UserError, describeError } from '../shared/errors.ts';
import { traderFiles } from '../config/load.ts';
import { openTrader } from './trader.ts';
import { splitSymbol } from '../core/trader/marketRules.ts';
import { formatTraderReport } from '../core/trader/report.ts';
import type { Balances } from '../core/trader/broker.ts';
import type { JobContext } from '../jobs/context.ts';

/** `itb trades -c FILE [N]`: the trader's balance, profit figures and the last N trades (default 10). */
export async function run(ctx: JobContext): Promise<number> {
  const [countArg, ...extra] = ctx.args;
  const count = countArg === undefined ? 10 : Number(countArg);
  if (extra.length || !Number.isInteger(count) || count < 0) {
    throw new UserError('usage: itb trades -c CONFIG [N] (N = how many recent trades to show, default 10)');
  }
  const { config } = ctx;
  const files = traderFiles(config);
  if (!fs.existsSync(files.state)) {
    const initial = Object.entries(config.trader.initial_balances).map(([a, v]) => `${a} ${v}`).join(', ');
    process.stdout.write(`No trader state yet (${files.state}): the paper trader starts with ${initial || 'an empty wallet'} when the service runs.\n`);
    return 0;
  }
  const { trader } = await openTrader(config, { clock: Date.now, log: ctx.log });
  const { base, quote } = splitSymbol(config.symbol, config.base_asset, config.quote_asset);
  let balances: Balances | undefined;
  let balancesError: string | undefined;
  try {
    balances = await trader.balances();
  } catch (e) {
    balancesError = describeError(e);
  }
  const report = formatTraderReport({
    symbol: config.symbol,
    mode: trader.mode,
    status: trader.book.status,
    base,
    quote,
    balances,
    balancesError,
    stats: trader.stats(),
    recent: trader.executions(count),
  });
  process.stdout.write(`${report}\n`);
  return 0;
}
