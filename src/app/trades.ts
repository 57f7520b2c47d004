import fs from 'node:fs';
import { UserError, describeError } from '../shared/errors.ts';
import { traderFiles } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { openTraders } from './trader.ts';
import { accountTotal, leadingTrader } from '../core/trader/control.ts';
import { matchSymbol } from '../config/symbolNames.ts';
import { splitSymbol } from '../core/trader/marketRules.ts';
import { formatAccountReport, formatTraderReport, type TraderReportInput } from '../core/trader/report.ts';
import type { Balances } from '../core/trader/broker.ts';
import type { JobContext } from '../jobs/context.ts';
import type { Logger } from '../shared/log.ts';

const USAGE =
  'usage: itb trades -c CONFIG [N] (N = how many recent trades to show, default 10); several symbols on one account: itb trades -c CONFIG -c CONFIG … [--symbol SYMBOL] [N]';

/**
 * `itb trades -c FILE [N]`: the trader's balance, profit figures and the last N trades (default
 * 10); several symbols (several -c, a config's symbols) are opened together on their one account.
 */
export async function run(ctx: JobContext): Promise<number> {
  const [countArg, ...extra] = ctx.args;
  const count = countArg === undefined ? 10 : Number(countArg);
  const named = (ctx.symbolArgs ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  if (extra.length || named.length > 1 || !Number.isInteger(count) || count < 0) throw new UserError(USAGE);
  const configs = ctx.symbols ? ctx.symbols.map((s) => s.config) : [ctx.config];
  process.stdout.write(`${await tradesReport(configs, { count, symbol: named[0], log: ctx.log })}\n`);
  return 0;
}

/**
 * The report of `itb trades` for the symbols of one account, read from their files (nothing is
 * written): one symbol's as before; several: the shared balance, the total and each symbol's,
 * or only the `symbol` asked for.
 */
export async function tradesReport(configs: readonly Config[], o: { count: number; symbol?: string; log?: Logger }): Promise<string> {
  const states = configs.map((c) => traderFiles(c).state);
  if (!states.some((f) => fs.existsSync(f))) {
    const initial = Object.entries(configs[0]!.trader.initial_balances).map(([a, v]) => `${a} ${v}`).join(', ');
    return `No trader state yet (${states.join(', ')}): the paper trader starts with ${initial || 'an empty wallet'} when the service runs.`;
  }
  const { traders, account } = await openTraders(configs, { clock: Date.now, log: o.log, readOnly: true });
  const traded = traders.map(({ trader }, i) => ({ trader, ...splitSymbol(configs[i]!.symbol, configs[i]!.base_asset, configs[i]!.quote_asset) }));
  const lead = leadingTrader(traded);
  let balances: Balances | undefined;
  let balancesError: string | undefined;
  try {
    balances = await lead.trader.balances();
  } catch (e) {
    balancesError = describeError(e);
  }
  const input = (t: (typeof traded)[number]): TraderReportInput => ({
    symbol: t.trader.symbol,
    mode: t.trader.mode,
    status: t.trader.book.status,
    base: t.base,
    quote: t.quote,
    balances,
    balancesError,
    stats: t.trader.stats(),
    recent: t.trader.executions(o.count),
  });
  if (o.symbol !== undefined) {
    const wanted = matchSymbol(o.symbol, traded.map((t) => t.trader.symbol));
    return formatTraderReport(input(traded.find((t) => t.trader.symbol === wanted)!));
  }
  if (traded.length === 1) return formatTraderReport(input(traded[0]!));
  const kind = lead.trader.mode === 'live' ? 'live' : 'paper';
  return formatAccountReport({
    mode: kind,
    quote: account.quote,
    maxOpenTrades: account.maxOpenTrades,
    openTrades: account.openTrades(kind),
    balances,
    balancesError,
    total: accountTotal(traded.map((t) => t.trader)),
    symbols: traded.map(input),
  });
}
