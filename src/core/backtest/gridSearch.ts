import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../shared/errors.ts';
import { GridKernel, type GridData, type GridRun } from './gridKernel.ts';
import type { BacktestMetrics } from './metrics.ts';
import type { ThresholdRule } from './thresholdSwitches.ts';

export interface EvaluateOptions extends GridRun {
  /** Worker threads to use; undefined = decide from the amount of work and the cores. */
  workers?: number;
  /** Called after each batch with the number of combinations done. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Below this many row-combinations the work is done in this thread (starting workers costs ~0.5 s). */
const WORKER_THRESHOLD = 150_000_000;
const BATCH = 32;

/**
 * Simulates every rule over the data; the results are in the order of the rules. Big grids
 * are spread over worker threads that share the columns through shared memory.
 */
export async function evaluateRules(data: GridData, rules: ThresholdRule[], options: EvaluateOptions): Promise<BacktestMetrics[]> {
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const wanted = options.workers ?? (rules.length * data.time.length >= WORKER_THRESHOLD ? cores : 0);
  const workers = Math.min(wanted, Math.ceil(rules.length / BATCH));
  if (workers <= 1) return evaluateHere(data, rules, options);
  return evaluateInWorkers(data, rules, options, workers);
}

function evaluateHere(data: GridData, rules: ThresholdRule[], options: EvaluateOptions): BacktestMetrics[] {
  const kernel = new GridKernel(data, { direction: options.direction, costs: options.costs });
  const out: BacktestMetrics[] = [];
  for (let i = 0; i < rules.length; i++) {
    if (options.signal?.aborted) throw new UserError('the grid search was cancelled');
    out.push(kernel.evaluate(rules[i]!));
    if (options.onProgress && ((i + 1) % BATCH === 0 || i + 1 === rules.length)) options.onProgress(i + 1, rules.length);
  }
  return out;
}

function shared(a: Float64Array): Float64Array {
  const s = new Float64Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

async function evaluateInWorkers(data: GridData, rules: ThresholdRule[], options: EvaluateOptions, count: number): Promise<BacktestMetrics[]> {
  const sharedData: GridData = { time: shared(data.time), price: shared(data.price), score: shared(data.score), score2: data.score2 && shared(data.score2) };
  const run: GridRun = { direction: options.direction, costs: options.costs };
  const results = new Array<BacktestMetrics>(rules.length);
  const pool: Worker[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const fail = (e: unknown) => reject(e instanceof Error ? e : new Error(String(e)));
      const onAbort = () => reject(new UserError('the grid search was cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker) => {
        if (next >= rules.length) {
          if (++finished === count) resolve();
          return;
        }
        const start = next;
        next = Math.min(rules.length, next + BATCH);
        w.postMessage({ id: start, rules: rules.slice(start, next) });
      };
      for (let k = 0; k < count; k++) {
        const w = new Worker(new URL('./gridWorker.mjs', import.meta.url), { workerData: { data: sharedData, run } });
        pool.push(w);
        w.on('error', fail);
        w.on('message', (msg: { id: number; metrics?: BacktestMetrics[]; error?: string }) => {
          if (msg.error !== undefined || !msg.metrics) return fail(new Error(`grid worker: ${msg.error}`));
          msg.metrics.forEach((m, j) => (results[msg.id + j] = m));
          done += msg.metrics.length;
          options.onProgress?.(done, rules.length);
          feed(w);
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
