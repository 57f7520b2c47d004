import type { SymbolConfig } from '../config/symbols.ts';
import { describeError, isUserError } from '../shared/errors.ts';
import { formatDuration, type ProgressEvent, type ProgressReporter } from '../shared/progress.ts';
import type { Job, JobContext } from '../jobs/context.ts';

export interface ForSymbolsOptions {
  /** Symbols worked on at the same time (default 1: one after another). */
  concurrency?: number;
  /** Where the line per symbol goes (default stderr, clearing a progress bar drawn there). */
  write?: (line: string) => void;
}

/** The outcome of one symbol. */
export interface SymbolOutcome {
  symbol: string;
  ok: boolean;
  /** The exit code the command returned, or 1 when it failed. */
  code: number;
  seconds: number;
  error?: string;
}

/**
 * Progress of a command over many symbols as one bar: symbols done of the total (the ETA comes
 * from their rate), with the step a running symbol is at as its detail.
 */
export function symbolsProgress(report: ProgressReporter, command: string, total: number) {
  let done = 0;
  const stage = `${command} ${total} symbols`;
  const describe = (symbol: string, ev: ProgressEvent) =>
    `${symbol}: ${ev.stage}${ev.total > 0 ? ` ${Math.floor((100 * Math.min(ev.done, ev.total)) / ev.total)}%` : ''}`;
  return {
    forSymbol(symbol: string): ProgressReporter {
      return (ev) => report({ stage, done, total, unit: 'symbols', detail: describe(symbol, ev) });
    },
    finished(symbol: string): void {
      done++;
      report({ stage, done, total, unit: 'symbols', detail: done < total ? `${symbol} done` : undefined });
    },
  };
}

function stderrLine(line: string): void {
  process.stderr.write(process.stderr.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
}

/**
 * `itb <stage> -c A -c B …`: the stage once per symbol with that symbol's config, `concurrency`
 * at a time, one overall progress bar and a line per symbol (done, or its failure in one
 * sentence). A failing symbol does not stop the others; the exit code is non-zero when any
 * failed, and a stop (Ctrl-C) starts no further symbol.
 */
export async function runForSymbols(
  command: string,
  load: () => Promise<{ run: Job }>,
  ctx: JobContext,
  symbols: readonly SymbolConfig[],
  o: ForSymbolsOptions = {},
): Promise<number> {
  const write = o.write ?? stderrLine;
  const mod = await load();
  const progress = symbolsProgress(ctx.progress, `itb ${command}`, symbols.length);
  const outcomes: SymbolOutcome[] = [];
  let next = 0;
  const one = async (s: SymbolConfig): Promise<SymbolOutcome> => {
    const symbol = s.config.symbol;
    const t0 = performance.now();
    const symbolCtx: JobContext = { ...ctx, config: s.config, configFile: s.file, log: ctx.log.child({ symbol }), progress: progress.forSymbol(symbol), symbols: undefined };
    try {
      const code = await mod.run(symbolCtx);
      const exit = typeof code === 'number' ? code : 0;
      return { symbol, ok: exit === 0, code: exit, seconds: (performance.now() - t0) / 1000, ...(exit ? { error: `exit code ${exit}` } : {}) };
    } catch (e) {
      if (!isUserError(e)) ctx.log.error({ err: e, symbol }, `itb ${command} ${symbol} failed`);
      const code = isUserError(e) ? e.exitCode : 1;
      return { symbol, ok: false, code, seconds: (performance.now() - t0) / 1000, error: isUserError(e) ? e.message : describeError(e) };
    }
  };
  const lane = async () => {
    while (next < symbols.length && !ctx.signal?.aborted) {
      const s = symbols[next++]!;
      const r = await one(s);
      outcomes.push(r);
      write(r.ok ? `✓ ${r.symbol}: itb ${command} done in ${formatDuration(r.seconds * 1000)}` : `✗ ${r.symbol}: ${r.error}`);
      progress.finished(r.symbol);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 1, symbols.length)) }, lane));
  const failed = outcomes.filter((r) => !r.ok);
  const skipped = symbols.length - outcomes.length;
  if (skipped) write(`itb ${command} stopped: ${skipped} of ${symbols.length} symbols not started`);
  if (failed.length) write(`itb ${command}: ${failed.length} of ${symbols.length} symbols failed (${failed.map((r) => r.symbol).join(', ')})`);
  if (skipped) return 130;
  return failed.length ? Math.max(1, ...failed.map((r) => r.code)) : 0;
}
