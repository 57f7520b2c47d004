import type { Config } from '../config/schema.ts';
import { describeSymbols, isSymbol, matchSymbol } from '../config/symbolNames.ts';
import { UserError, describeError } from '../shared/errors.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import type { BotCommandDef } from './command.ts';
import type { BotRuntime } from './context.ts';
import type { BotServices, JobResult } from './services.ts';

/** What names a symbol in its posts when a bot posts several: a hashtag (a reader taps it to see that symbol's posts). */
export function symbolTag(symbol: string): string {
  return `#${symbol} `;
}

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

/** A command's usage in this bot: with the symbol argument when it serves several symbols. */
export function usageOf(rt: BotRuntime, cmd: Pick<BotCommandDef, 'usage' | 'several'>): string {
  return severalSymbols(rt) && cmd.several ? cmd.several.usage : cmd.usage;
}

/** One symbol's services: those of the symbol `arg` names (matched forgivingly), or of the only one. */
export function symbolServices(rt: BotRuntime, arg: string | undefined, cmd: Pick<BotCommandDef, 'usage' | 'several'>): { symbol: string; services: BotServices } {
  const symbols = servedSymbols(rt);
  const several = rt.services.symbols;
  if (arg === undefined) {
    if (several && several.size > 1) throw new UserError(`Name a symbol: ${usageOf(rt, cmd)} (symbols: ${describeSymbols(symbols)})`);
    return { symbol: symbols[0]!, services: several?.get(symbols[0]!) ?? rt.services };
  }
  const symbol = matchSymbol(arg, symbols);
  return { symbol, services: several?.get(symbol) ?? rt.services };
}

/**
 * A command whose first argument may name a symbol (`/backtest eth 30d`): that symbol's services
 * and the remaining arguments; without one, the only symbol's (several: one sentence asking for it).
 */
export function withSymbolArg(rt: BotRuntime, args: readonly string[], cmd: Pick<BotCommandDef, 'usage' | 'several'>): { symbol: string; services: BotServices; config: Config; args: string[] } {
  const named = namesSymbol(rt, args[0]);
  const { symbol, services } = symbolServices(rt, named ? args[0] : undefined, cmd);
  return { symbol, services, config: services.config ?? rt.config, args: named ? args.slice(1) : [...args] };
}

/** The config of a symbol's services (the bot's own config for a bot of one symbol). */
export function configOf(rt: BotRuntime, services: BotServices): Config {
  return services.config ?? rt.config;
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
