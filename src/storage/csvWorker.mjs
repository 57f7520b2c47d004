// Worker entry: the bundle of src/ that bin/build.mjs keeps up to date (as the CLI runs), or, without
// it, the TypeScript worker through tsx (worker threads do not inherit the parent's loader).
// A worker that cannot load says so in the shared flags (3), and the reading thread reads alone.
import { workerData } from 'node:worker_threads';
import { importEntry } from '../../bin/build.mjs';

try {
  await importEntry('csvWorker', new URL('./csvWorker.ts', import.meta.url).href);
} catch (e) {
  Atomics.store(workerData.flags, 0, 3);
  Atomics.add(workerData.flags, 1, 1);
  Atomics.notify(workerData.flags, 1);
  throw e;
}
