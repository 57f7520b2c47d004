import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SymbolConfig } from '../config/symbols.ts';
import { describeError, isUserError } from '../shared/errors.ts';
import { formatDuration, type ProgressEvent, type ProgressReporter } from '../shared/progress.ts';
import type { Job, JobContext } from '../jobs/context.ts';

/** Set in a process that runForSymbols started: it reports each symbol's progress and outcome as JSON lines on stdout. */
export const SYMBOL_EVENTS_ENV = 'ITB_SYMBOL_EVENTS';

const ITB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/itb.mjs');

export interface ForSymbolsOptions {
  /** Symbols worked on at the same time in this process (default 1: one after another). */
  concurrency?: number;
  /**
   * Share the symbols out to this many processes (`itb …` again, `argv` with `--symbol` naming its
   * share), each working on its symbols one after another: every core works, however much of a
   * symbol's stage runs on one thread.
   */
  processes?: { count: number; argv: (symbols: string[]) => string[] };
  /** In such a process: report to the process that started it (JSON lines on stdout), no bar, no lines. */
  events?: boolean;
  /** Where the line per symbol goes (default stderr, clearing a progress bar drawn there). */
  write?: (line: string) => void;
}

/** The outcome of one symbol. */
export interface SymbolOutcome {
  symbol: string;
  ok: boolean;
  /** The exit code the command returned, or the failure's. */
  code: number;
  seconds: number;
  error?: string;
}

type SymbolEvent = { symbol: string; progress: ProgressEvent } | { symbol: string; outcome: SymbolOutcome };

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

/** What a symbol's run reports: its progress, and its outcome once. */
interface Reporter {
  progress(symbol: string): ProgressReporter;
  outcome(r: SymbolOutcome): void;
}

/** Runs the job for each symbol in this process, `concurrency` at a time; a stop starts no further symbol. */
async function inThisProcess(job: Job, ctx: JobContext, symbols: readonly SymbolConfig[], concurrency: number, report: Reporter): Promise<void> {
  let next = 0;
  const one = async (s: SymbolConfig): Promise<SymbolOutcome> => {
    const symbol = s.config.symbol;
    const t0 = performance.now();
    const symbolCtx: JobContext = { ...ctx, config: s.config, configFile: s.file, log: ctx.log.child({ symbol }), progress: report.progress(symbol), symbols: undefined };
    const seconds = () => (performance.now() - t0) / 1000;
    try {
      const code = await job(symbolCtx);
      const exit = typeof code === 'number' ? code : 0;
      return { symbol, ok: exit === 0, code: exit, seconds: seconds(), ...(exit ? { error: `exit code ${exit}` } : {}) };
    } catch (e) {
      if (!isUserError(e)) ctx.log.error({ err: e, symbol }, `${symbol} failed`);
      return { symbol, ok: false, code: isUserError(e) ? e.exitCode : 1, seconds: seconds(), error: isUserError(e) ? e.message : describeError(e) };
    }
  };
  const lane = async () => {
    while (next < symbols.length && !ctx.signal?.aborted) report.outcome(await one(symbols[next++]!));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, symbols.length)) }, lane));
}

/** Shares the symbols out to `count` processes (round robin) and relays what they report. */
async function inProcesses(ctx: JobContext, symbols: readonly SymbolConfig[], lanes: NonNullable<ForSymbolsOptions['processes']>, report: Reporter): Promise<void> {
  const shares = Array.from({ length: Math.min(lanes.count, symbols.length) }, (_, i) => symbols.filter((_, k) => k % lanes.count === i).map((s) => s.config.symbol));
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, [ITB, ...lanes.argv(share)], { env: { ...process.env, [SYMBOL_EVENTS_ENV]: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
          const stop = () => child.kill('SIGINT');
          ctx.signal?.addEventListener('abort', stop, { once: true });
          const reported = new Set<string>();
          createInterface({ input: child.stdout! }).on('line', (line) => {
            let e: SymbolEvent;
            try {
              e = JSON.parse(line) as SymbolEvent;
            } catch {
              process.stdout.write(`${line}\n`);
              return;
            }
            if ('progress' in e) report.progress(e.symbol)(e.progress);
            else {
              reported.add(e.symbol);
              report.outcome(e.outcome);
            }
          });
          child.on('close', (code, signal) => {
            ctx.signal?.removeEventListener('abort', stop);
            // A symbol its process never reported: failed, unless the process was stopped before it.
            if (!ctx.signal?.aborted) {
              for (const symbol of share.filter((s) => !reported.has(s))) {
                report.outcome({ symbol, ok: false, code: code || 1, seconds: 0, error: `its process ended (${signal ?? `exit code ${code}`}) before the symbol was done` });
              }
            }
            resolve();
          });
        }),
    ),
  );
}

/**
 * `itb <stage> -c A -c B …`: the stage once per symbol with that symbol's config, `concurrency`
 * at a time (or shared out to several processes), one overall progress bar and a line per symbol
 * (done, or its failure in one sentence). A failing symbol does not stop the others; the exit code
 * is non-zero when any failed, and a stop (Ctrl-C) starts no further symbol.
 */
export async function runForSymbols(
  command: string,
  load: () => Promise<{ run: Job }>,
  ctx: JobContext,
  symbols: readonly SymbolConfig[],
  o: ForSymbolsOptions = {},
): Promise<number> {
  const outcomes: SymbolOutcome[] = [];
  let report: Reporter;
  if (o.events) {
    const emit = (e: SymbolEvent) => void process.stdout.write(`${JSON.stringify(e)}\n`);
    report = { progress: (symbol) => (progress) => emit({ symbol, progress }), outcome: (outcome) => (outcomes.push(outcome), emit({ symbol: outcome.symbol, outcome })) };
  } else {
    const write = o.write ?? stderrLine;
    const bar = symbolsProgress(ctx.progress, `itb ${command}`, symbols.length);
    report = {
      progress: (symbol) => bar.forSymbol(symbol),
      outcome: (r) => {
        outcomes.push(r);
        write(r.ok ? `✓ ${r.symbol}: itb ${command} done in ${formatDuration(r.seconds * 1000)}` : `✗ ${r.symbol}: ${r.error}`);
        bar.finished(r.symbol);
      },
    };
  }
  if (o.processes && o.processes.count > 1 && symbols.length > 1 && !o.events) await inProcesses(ctx, symbols, o.processes, report);
  else await inThisProcess((await load()).run, ctx, symbols, o.concurrency ?? 1, report);

  const failed = outcomes.filter((r) => !r.ok);
  const skipped = symbols.length - outcomes.length;
  if (!o.events) {
    const write = o.write ?? stderrLine;
    if (skipped) write(`itb ${command} stopped: ${skipped} of ${symbols.length} symbols not started`);
    if (failed.length) write(`itb ${command}: ${failed.length} of ${symbols.length} symbols failed (${failed.map((r) => r.symbol).join(', ')})`);
  }
  if (skipped) return 130;
  return failed.length ? Math.max(1, ...failed.map((r) => r.code)) : 0;
}
