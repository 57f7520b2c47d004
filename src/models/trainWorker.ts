import { parentPort } from 'node:worker_threads';
import { UserError } from '../shared/errors.ts';
import { fitModel, type FitJob } from './fitModel.ts';
import type { ModelArtifact } from './types.ts';

/** Messages from a training worker to the thread that started it. */
export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; unit: string; loss?: number }
  | { type: 'done'; artifact: ModelArtifact }
  | { type: 'error'; message: string; userError: boolean };

const port = parentPort;
if (port) {
  port.once('message', async (job: FitJob) => {
    const send = (m: WorkerMessage) => port.postMessage(m);
    try {
      const artifact = await fitModel(job, (p) => send({ type: 'progress', ...p }));
      send({ type: 'done', artifact });
    } catch (e) {
      send({ type: 'error', message: e instanceof Error ? e.message : String(e), userError: e instanceof UserError });
    }
  });
}
