import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.ts';
import { modelFolder } from '../config/load.ts';
import { UserError } from '../shared/errors.ts';
import type { Frame } from '../core/frame.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AlgorithmDef } from '../config/schema.ts';
import { defaultScaling } from './algorithms.ts';
import { checkLabels, type FitJob } from './fitModel.ts';
import { applyScaler, fitScalerColumns, type Scaler } from './scaler.ts';
import { usesXgboost } from './gbParams.ts';
import { modelFromArtifact, type LoadedModel } from './modelFiles.ts';
import { newTrainingId, saveModelSet } from './modelSetFolder.ts';
import { ModelSet } from './modelSet.ts';
import { algorithmRows, completeRows, resolveTrainSets, scoreColumnName } from './trainSets.ts';
import type { WorkerMessage } from './trainWorker.ts';
import type { ModelArtifact } from './types.ts';

export interface TrainAllOptions {
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** Write the models (default true) as one set into `folder` (default the config's model folder), switched in whole. */
  save?: boolean;
  folder?: string;
  /** Models trained at the same time, each in its own worker thread (default: one per core, at most 4). */
  concurrency?: number;
  /** Seed of weight initialisation, shuffling and boosting (default 1): the same seed repeats a run. */
  seed?: number;
}

/**
 * Trains every label × algorithm of the config's train sets on `matrix` (already cut to
 * the training window), each fit in a worker thread, and returns the models ready to score.
 * Per train set, rows missing a feature or a label are dropped; per algorithm,
 * `every_nth_row` and `length` apply. Cancel with `signal`.
 */
export async function trainAll(config: Config, matrix: Frame, options: TrainAllOptions = {}): Promise<ModelSet> {
  return trainPrepared(config, await prepareTraining(config, matrix, options), options);
}

/**
 * The jobs of trainAll with their arrays made from `matrix`: per train set and distinct training
 * rows, the rows' features once (row-major, in shared memory that every worker reads), scaled
 * once for the algorithms that scale (in place when none of them reads the unscaled rows), and
 * each label's values. Single-class labels are refused here, before any work. The jobs hold no
 * reference to `matrix`: a caller that drops it holds only these arrays while the models fit.
 */
export async function prepareTraining(config: Config, matrix: Frame, options: Pick<TrainAllOptions, 'seed'> = {}): Promise<FitJob[]> {
  const sets = resolveTrainSets(config);
  // The xgboost engine fails early, in one sentence, when its library is missing.
  if (sets.some((s) => s.algorithms.some(usesXgboost))) (await import('./xgboost.ts')).xgboost();
  // in the order of the train sets, then labels, then algorithms (as the score columns)
  const jobs: FitJob[] = [];
  let base = 0;
  for (const set of sets) {
    for (const c of [...set.features, ...set.labels]) matrix.get(c); // a missing column is a clear error before any work
    const complete = completeRows(matrix, [...set.features, ...set.labels]);
    // the algorithms that train on the same rows share the arrays made from them
    const groups: { rows: Int32Array; defs: AlgorithmDef[]; at: number[] }[] = [];
    set.algorithms.forEach((def, a) => {
      const rows = algorithmRows(complete, def);
      const same = groups.find((g) => g.rows.length === rows.length && g.rows.every((r, i) => r === rows[i]));
      if (same) {
        same.defs.push(def);
        same.at.push(a);
      } else groups.push({ rows, defs: [def], at: [a] });
    });
    for (const { rows, defs, at } of groups) {
      const f = set.features.length;
      const n = rows.length;
      const X = gatherRows(matrix, set.features, rows);
      const hash = createHash('sha256').update(new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
      const labelData = set.labels.map((label) => {
        const y = new Float64Array(new SharedArrayBuffer(n * 8));
        const column = matrix.get(label);
        for (let k = 0; k < n; k++) y[k] = column[rows[k]!]!;
        const fingerprint = hash.copy().update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength)).digest('hex');
        return { label, y, fingerprint };
      });
      const scales = defs.map((d) => d.params?.is_scale ?? defaultScaling(d.algo));
      let scaled: { X: Float64Array; scaler: Scaler } | undefined;
      if (scales.some(Boolean)) {
        const scaler = fitScalerColumns(set.features.map((c) => matrix.get(c)), rows);
        const Xs = scales.every(Boolean) ? X : new Float64Array(new SharedArrayBuffer(X.byteLength));
        if (Xs !== X) Xs.set(X);
        scaled = { X: applyScaler(scaler, Xs, f), scaler };
      }
      const start = n ? matrix.time[rows[0]!]! : NaN;
      const end = n ? matrix.time[rows[n - 1]!]! : NaN;
      labelData.forEach(({ label, y, fingerprint }, l) => {
        defs.forEach((def, d) => {
          const job = { scoreColumn: scoreColumnName(label, def.name), label, features: set.features, def, y, start, end, fingerprint, seed: options.seed ?? 1, labelHorizon: config.label_horizon };
          jobs[base + l * set.algorithms.length + at[d]!] = scales[d] ? { ...job, X: scaled!.X, scaler: scaled!.scaler } : { ...job, X, scaler: null };
        });
      });
    }
    base += set.labels.length * set.algorithms.length;
  }
  for (const job of jobs) checkLabels(job);
  return jobs;
}

/** Fits prepared jobs (see prepareTraining) in worker threads and saves them as trainAll does. */
export async function trainPrepared(config: Config, jobs: FitJob[], options: TrainAllOptions = {}): Promise<ModelSet> {
  collectGarbage();
  const artifacts = await runJobs(jobs, options);
  const trainingId = newTrainingId();
  if (options.save !== false) saveModelSet(options.folder ?? modelFolder(config), artifacts, trainingId);
  const models: LoadedModel[] = [];
  for (const a of artifacts) models.push(await modelFromArtifact(a, trainingId));
  return new ModelSet(models);
}

/**
 * A full garbage collection, so that what the caller let go before the fits (the table the jobs
 * were made from: ~70 MB for a year) is returned before the workers add theirs: V8 collects when
 * this thread allocates, and it allocates next to nothing while the workers train. gc() is
 * reached as Jest's leak detector reaches it; where it cannot be, the memory comes back later.
 */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    /* no gc(): V8 collects in its own time */
  }
}

/** The named columns at the given rows as one row-major matrix (rows × columns) in shared memory. */
function gatherRows(frame: Frame, features: string[], rows: Int32Array): Float64Array {
  const f = features.length;
  const n = rows.length;
  const X = new Float64Array(new SharedArrayBuffer(n * f * 8));
  features.forEach((name, j) => {
    const c = frame.get(name);
    for (let k = 0; k < n; k++) X[k * f + j] = c[rows[k]!]!;
  });
  return X;
}

async function runJobs(jobs: FitJob[], options: TrainAllOptions): Promise<ModelArtifact[]> {
  const results: ModelArtifact[] = new Array(jobs.length);
  const limit = Math.max(1, Math.min(options.concurrency ?? Math.min(4, os.availableParallelism()), jobs.length));
  let next = 0;
  const workers = new Set<Worker>();
  let failed: Error | undefined;
  const onAbort = () => {
    failed ??= new UserError('training was cancelled');
    for (const w of workers) void w.terminate();
  };
  if (options.signal?.aborted) throw new UserError('training was cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const lane = async () => {
    while (!failed && next < jobs.length) {
      const i = next++;
      results[i] = await runInWorker(jobs[i]!, workers, options.progress);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: limit }, () =>
        lane().catch((e: Error) => {
          failed ??= e;
          for (const w of workers) void w.terminate();
        }),
      ),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (failed) throw failed;
  return results;
}

function runInWorker(job: FitJob, workers: Set<Worker>, progress?: ProgressReporter): Promise<ModelArtifact> {
  const stage = `train ${job.scoreColumn}`;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./trainWorkerBoot.mjs', import.meta.url));
    workers.add(worker);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      workers.delete(worker);
      void worker.terminate();
      fn();
    };
    progress?.({ stage, done: job.y.length, total: 0, unit: 'rows', detail: `starting ${job.def.algo}` });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        const elapsedMs = Date.now() - started;
        const etaMs = m.total > 0 && m.done > 0 ? (elapsedMs * (m.total - m.done)) / m.done : undefined;
        progress?.({ stage, done: m.done, total: m.total, unit: m.unit, detail: m.loss === undefined ? undefined : `loss ${m.loss.toPrecision(4)}`, elapsedMs, etaMs });
      } else if (m.type === 'done') {
        finish(() => resolve(m.artifact));
      } else {
        finish(() => reject(m.userError ? new UserError(m.message) : new Error(`training ${job.scoreColumn} failed: ${m.message}`)));
      }
    });
    worker.on('error', (e) => finish(() => reject(new Error(`training ${job.scoreColumn} failed: ${e.message}`))));
    worker.on('exit', (code) => finish(() => reject(new UserError(code === 1 ? `training ${job.scoreColumn} was stopped` : `training ${job.scoreColumn} ended unexpectedly (exit code ${code})`))));
    worker.postMessage(job);
  });
}
