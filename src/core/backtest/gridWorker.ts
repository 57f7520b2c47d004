import { parentPort, workerData } from 'node:worker_threads';
import { GridKernel, type GridData, type GridRun } from './gridKernel.ts';
import type { ThresholdRule } from './thresholdSwitches.ts';

/** A grid-search worker: the columns arrive once (shared memory), then batches of rules. */
interface Init {
  data: GridData;
  run: GridRun;
}

const { data, run } = workerData as Init;
const kernel = new GridKernel(data, run);
parentPort!.on('message', (batch: { id: number; rules: ThresholdRule[] }) => {
  try {
    parentPort!.postMessage({ id: batch.id, metrics: batch.rules.map((r) => kernel.evaluate(r)) });
  } catch (e) {
    parentPort!.postMessage({ id: batch.id, error: e instanceof Error ? e.message : String(e) });
  }
});
