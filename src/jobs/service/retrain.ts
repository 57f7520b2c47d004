import schedule from 'node-schedule';
import type { Config } from '../../config/schema.ts';
import { UserError, describeError } from '../../core/errors.ts';
import { loadModelSet, type ModelSet } from '../../models/modelSet.ts';
import type { Logger } from '../../log.ts';
import type { Job, JobContext } from '../context.ts';
import type { ProgressReporter } from '../progress.ts';

/** When each model set was trained: the oldest manifest's creation time (epoch ms), null when unknown. */
export function modelSetTrainedAt(models: ModelSet): number | null {
  let oldest: number | null = null;
  for (const m of models.models) {
    const t = Date.parse(m.manifest.created_at);
    if (Number.isFinite(t) && (oldest === null || t < oldest)) oldest = t;
  }
  return oldest;
}

/** Metrics of each model as `high_20_lc: auc 0.712 · ap 0.31`, for the admins. */
export function describeMetrics(models: ModelSet): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of models.models) out[m.scoreColumn] = { ...m.manifest.metrics };
  return out;
}

export interface RetrainResult {
  models: ModelSet;
  rows: number;
  seconds: number;
}

/**
 * Retrains every model of the config on the newest `service.retrain_length` rows (or
 * `train_length`): the batch stages download (live venues) → merge → features → labels → train
 * run as `itb` would run them. The train stage writes the new set beside the models folder and
 * switches it in whole once every model is trained (a failure or a kill leaves the set in use).
 * Ticks go on meanwhile.
 */
export async function retrainModels(ctx: JobContext): Promise<RetrainResult> {
  const t0 = Date.now();
  const length = ctx.config.service.retrain_length || ctx.config.train_length;
  const config: Config = { ...ctx.config, train: true, train_length: length };
  const stages = config.venue === 'replay' ? ['merge', 'features', 'labels', 'train'] : ['download', 'merge', 'features', 'labels', 'train'];
  for (const stage of stages) {
    if (ctx.signal?.aborted) throw new UserError('retraining was cancelled');
    const mod = (await import(`../${stage}.ts`)) as { run: Job };
    const code = await mod.run({ ...ctx, config });
    if (typeof code === 'number' && code !== 0) throw new UserError(`retraining: itb ${stage} failed (exit code ${code})`);
  }
  const models = await loadModelSet(ctx.config);
  const rows = Math.max(0, ...models.models.map((m) => m.manifest.training.rows));
  return { models, rows, seconds: (Date.now() - t0) / 1000 };
}

export interface RetrainSchedulerDeps {
  cron: string;
  run: () => Promise<void>;
  log: Logger;
}

/** service.retrain_cron on node-schedule (UTC); a run still going when the next is due is skipped. */
export function scheduleRetraining(d: RetrainSchedulerDeps): { cancel(): void } {
  let running = false;
  let job: schedule.Job | null;
  try {
    job = schedule.scheduleJob({ rule: d.cron, tz: 'Etc/UTC' }, () => {
      if (running) {
        d.log.warn('retraining skipped: the previous one is still running');
        return;
      }
      running = true;
      d.run()
        .catch((e: unknown) => d.log.error(`retraining failed: ${describeError(e)}`))
        .finally(() => {
          running = false;
        });
    });
  } catch {
    job = null;
  }
  if (!job) throw new UserError(`config: key service.retrain_cron: "${d.cron}" is not a cron expression (e.g. "5 0 * * *" for 00:05 UTC daily)`);
  return { cancel: () => job.cancel() };
}

/** The service's retraining: one at a time, swaps the new models in, tells the admins the metrics. */
export class Retrainer {
  running = false;
  last: { at: number; ok: boolean; message: string } | null = null;

  constructor(
    private readonly d: {
      ctx: () => JobContext;
      swap: (models: ModelSet) => void;
      notifyAdmins: (text: string) => Promise<void>;
      log: Logger;
    },
  ) {}

  async run(progress?: ProgressReporter, signal?: AbortSignal): Promise<RetrainResult> {
    if (this.running) throw new UserError('a retraining is already running');
    this.running = true;
    const base = this.d.ctx();
    const ctx = { ...base, progress: progress ?? base.progress, signal: signal ?? base.signal };
    try {
      const r = await retrainModels(ctx);
      this.d.swap(r.models);
      const metrics = describeMetrics(r.models);
      const lines = Object.entries(metrics).map(([k, m]) => `${k}: ${Object.entries(m).map(([n, v]) => `${n} ${v.toFixed(3)}`).join(' · ')}`);
      const message = `🧠 ${ctx.config.symbol}: new models in use, trained on ${r.rows} rows in ${r.seconds.toFixed(0)} s\n${lines.join('\n')}`;
      this.last = { at: Date.now(), ok: true, message };
      await this.d.notifyAdmins(message).catch((e: unknown) => this.d.log.error(`could not notify the admins: ${describeError(e)}`));
      return r;
    } catch (e) {
      const message = `⚠️ ${ctx.config.symbol}: retraining failed, the previous models stay in use: ${describeError(e)}`;
      this.last = { at: Date.now(), ok: false, message };
      await this.d.notifyAdmins(message).catch((err: unknown) => this.d.log.error(`could not notify the admins: ${describeError(err)}`));
      throw e;
    } finally {
      this.running = false;
    }
  }
}

