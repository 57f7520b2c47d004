import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.ts';
import { modelFolder } from '../config/load.ts';
import { UserError } from '../core/errors.ts';
import type { Frame } from '../core/frame.ts';
import type { ProgressReporter } from '../jobs/progress.ts';
import { refuseSingleClass, type FitJob } from './fitModel.ts';
import { usesXgboost } from './gbParams.ts';
import { modelFromArtifact, type LoadedModel } from './modelFiles.ts';
import { newTrainingId, saveModelSet } from './modelSetFolder.ts';
import { ModelSet } from './modelSet.ts';
import { algorithmRows, completeRows, featureMatrix, resolveTrainSets, scoreColumnName } from './trainSets.ts';
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
  const sets = resolveTrainSets(config);
  // The xgboost engine fails early, in one sentence, when its library is missing.
  if (sets.some((s) => s.algorithms.some(usesXgboost))) (await import('./xgboost.ts')).xgboost();
  const jobs: FitJob[] = [];
  for (const set of sets) {
    for (const c of [...set.features, ...set.labels]) matrix.get(c); // a missing column is a clear error before any work
    const complete = completeRows(matrix, [...set.features, ...set.labels]);
    const X = featureMatrix(matrix, set.features, 0, matrix.length, true);
    const time = new Float64Array(new SharedArrayBuffer(matrix.length * 8));
    time.set(matrix.time);
    for (const label of set.labels) {
      const y = new Float64Array(new SharedArrayBuffer(matrix.length * 8));
      y.set(matrix.get(label));
      for (const def of set.algorithms) {
        jobs.push({ scoreColumn: scoreColumnName(label, def.name), label, features: set.features, def, X, y, time, rows: algorithmRows(complete, def), seed: options.seed ?? 1 });
      }
    }
  }
  for (const job of jobs) refuseSingleClass(job);
  const artifacts = await runJobs(jobs, options);
  const trainingId = newTrainingId();
  if (options.save !== false) saveModelSet(options.folder ?? modelFolder(config), artifacts, trainingId);
  const models: LoadedModel[] = [];
  for (const a of artifacts) models.push(await modelFromArtifact(a, trainingId));
  return new ModelSet(models);
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
    progress?.({ stage, done: job.rows.length, total: 0, unit: 'rows', detail: `starting ${job.def.algo}` });
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
