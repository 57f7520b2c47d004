import { InputFile } from 'grammy';
import { describeError } from '../shared/errors.ts';
import { splitMessage } from '../core/notify/split.ts';
import { formatDuration, formatProgress, withEta, type ProgressEvent } from '../shared/progress.ts';
import { maskSecrets } from '../shared/log.ts';
import { senderName } from './audit.ts';
import type { BotContext } from './context.ts';
import type { JobResult } from './services.ts';

interface RunningJob {
  title: string;
  startedBy: string;
  startedAt: number;
  abort: AbortController;
  done: Promise<void>;
}

/** One slot per kind of long job (train, download, backtest): a second start is refused. */
export class JobSlots {
  readonly running = new Map<string, RunningJob>();

  /** Aborts every running job; returns their titles. */
  cancelAll(): string[] {
    const titles: string[] = [];
    for (const j of this.running.values()) {
      j.abort.abort();
      titles.push(j.title);
    }
    return titles;
  }

  /** Resolves when every running job has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((j) => j.done));
  }
}

/** Metrics as lines: `high_20_lc: auc 0.7123 · ap 0.4211`. */
export function formatMetrics(metrics: Record<string, Record<string, number>>): string {
  return Object.entries(metrics)
    .map(([name, m]) => `${name}: ${Object.entries(m).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' · ')}`)
    .join('\n');
}

/**
 * Runs a long job for a chat: one message shows its stage, percent and ETA, edited in place at
 * most every `progressEditMs`, and finally its result (and image). Returns at once; the job
 * goes on in the background.
 */
export async function startJobWithProgress(
  ctx: BotContext,
  kind: string,
  title: string,
  work: (progress: (ev: ProgressEvent) => void, signal: AbortSignal) => Promise<JobResult>,
): Promise<void> {
  const { jobs, progressEditMs } = ctx.itb;
  const busy = jobs.running.get(kind);
  if (busy) {
    const ago = formatDuration(Date.now() - busy.startedAt);
    await ctx.reply(`${busy.title} is already running (started by ${busy.startedBy} ${ago} ago); send /cancel to stop it.`);
    return;
  }
  const chatId = ctx.chat!.id;
  const api = ctx.api;
  const msg = await ctx.reply(`⏳ ${title}: starting…`);
  const abort = new AbortController();
  const startedAt = Date.now();
  let shown = msg.text ?? '';
  let latest: ProgressEvent | null = null;
  let lastEditAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  const edit = (text: string) => {
    chain = chain.then(async () => {
      if (text === shown) return;
      shown = text;
      try {
        await api.editMessageText(chatId, msg.message_id, text);
      } catch (e) {
        ctx.itb.log.warn({ err: describeError(e) }, 'progress message edit failed');
      }
    });
    return chain;
  };
  const flush = () => {
    timer = null;
    if (!latest) return;
    lastEditAt = Date.now();
    void edit(`⏳ ${title}\n${formatProgress(latest)}`);
  };
  let finished = false;
  const progress = withEta((ev) => {
    if (finished) return; // a late event must not cover the result
    latest = ev;
    if (timer) return;
    const wait = lastEditAt + progressEditMs - Date.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  });

  const run = async () => {
    try {
      const result = await work(progress, abort.signal);
      finished = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const took = formatDuration(Date.now() - startedAt);
      let text = `✅ ${title} finished in ${took}\n${result.summary}`;
      if (result.metrics && Object.keys(result.metrics).length) text += `\n\n${formatMetrics(result.metrics)}`;
      const [first, ...rest] = splitMessage(maskSecrets(text));
      await edit(first!);
      for (const part of rest) await api.sendMessage(chatId, part);
      if (result.png) await api.sendPhoto(chatId, new InputFile(result.png, `${kind}.png`), { caption: title });
      await ctx.itb.audit(ctx, `/${kind}`, 'done', result.summary.slice(0, 200));
    } catch (e) {
      finished = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const text = abort.signal.aborted ? `⏹ ${title} was cancelled.` : `❌ ${title} failed: ${maskSecrets(describeError(e))}`;
      await edit(text);
      await ctx.itb.audit(ctx, `/${kind}`, abort.signal.aborted ? 'cancelled' : 'failed', describeError(e).slice(0, 200));
    } finally {
      await chain;
      jobs.running.delete(kind);
    }
  };
  const job: RunningJob = { title, startedBy: senderName(ctx), startedAt, abort, done: Promise.resolve() };
  jobs.running.set(kind, job);
  job.done = run().catch((e) => ctx.itb.log.error({ err: describeError(e) }, 'job message failed'));
}
