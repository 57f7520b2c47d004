import { describeSymbols, isSymbol, matchSymbol } from '../config/symbols.ts';
import { UserError, describeError } from '../shared/errors.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import type { BotRuntime } from './context.ts';
import type { BotServices, JobResult } from './services.ts';

/** The symbols this bot serves, in the process's order (one: its config's). */
export function servedSymbols(rt: BotRuntime): string[] {
  return rt.services.symbols ? [...rt.services.symbols.keys()] : [rt.config.symbol];
}

/** True when the bot serves several symbols (commands then name one, and posts name theirs). */
export function severalSymbols(rt: BotRuntime): boolean {
  return (rt.services.symbols?.size ?? 0) > 1;
}

/** Whether `arg` names a symbol this bot serves (eth, ETH/USDT, ETHUSDT). */
export function namesSymbol(rt: BotRuntime, arg: string | undefined): boolean {
  return arg !== undefined && isSymbol(arg, servedSymbols(rt));
}

/** One symbol's services: those of the symbol `arg` names (matched forgivingly), or of the only one. */
export function symbolServices(rt: BotRuntime, arg: string | undefined, usage: string): { symbol: string; services: BotServices } {
  const symbols = servedSymbols(rt);
  const several = rt.services.symbols;
  if (arg === undefined) {
    if (several && several.size > 1) throw new UserError(`Name a symbol: ${usage} (symbols: ${describeSymbols(symbols)})`);
    return { symbol: symbols[0]!, services: several?.get(symbols[0]!) ?? rt.services };
  }
  const symbol = matchSymbol(arg, symbols);
  return { symbol, services: several?.get(symbol) ?? rt.services };
}

/** A job of one symbol, as the bot's services run it. */
export type SymbolJob = (progress: ProgressReporter, signal: AbortSignal) => Promise<JobResult>;

/**
 * Runs the jobs of several symbols one after another as one job: the progress names the symbol
 * (`2/3 ETHUSDT: train …`), a failing symbol is named and the others still run, and the result
 * has a line per symbol.
 */
export async function eachSymbolJob(jobs: ReadonlyArray<[string, SymbolJob]>, progress: ProgressReporter, signal: AbortSignal): Promise<JobResult> {
  const lines: string[] = [];
  const metrics: Record<string, Record<string, number>> = {};
  const failed: string[] = [];
  for (const [i, [symbol, job]] of jobs.entries()) {
    signal.throwIfAborted();
    try {
      const r = await job((ev) => progress({ ...ev, stage: `${i + 1}/${jobs.length} ${symbol}: ${ev.stage}` }), signal);
      lines.push(`${symbol}: ${r.summary}`);
      for (const [name, m] of Object.entries(r.metrics ?? {})) metrics[`${symbol} ${name}`] = m;
    } catch (e) {
      signal.throwIfAborted();
      failed.push(symbol);
      lines.push(`${symbol}: failed: ${describeError(e)}`);
    }
  }
  const head = failed.length ? `${failed.length} of ${jobs.length} symbols failed (${failed.join(', ')}).` : `All ${jobs.length} symbols done.`;
  return { summary: [head, ...lines].join('\n'), ...(Object.keys(metrics).length ? { metrics } : {}) };
}
