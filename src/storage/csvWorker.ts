/**
 * The worker thread of readCsv's two-thread read: reads its part of the file (readCsvPart) and
 * sends the columns back through the port it was given, then marks itself done in the shared flags
 * (the reading thread waits on them, not on an event loop).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { UserError } from '../shared/errors.ts';
import { readCsvPart, type ReadCsvOptions } from './csv.ts';

const { file, from, to, header, options, flags, port } = workerData as {
  file: string;
  from: number;
  to: number;
  header: string[];
  options: ReadCsvOptions;
  flags: Int32Array;
  port: MessagePort;
};

Atomics.store(flags, 0, 1);
try {
  const part = readCsvPart(file, from, to, header, options, () => Atomics.add(flags, 1, 1));
  const buffers = new Set<ArrayBuffer>([part.time.buffer as ArrayBuffer]);
  for (const col of part.data) if (col) buffers.add(col.buffer as ArrayBuffer);
  port.postMessage({ part }, [...buffers]);
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e), user: e instanceof UserError });
}
Atomics.store(flags, 0, 2);
Atomics.notify(flags, 0);
