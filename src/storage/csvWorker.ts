/**
 * The helper thread of readCsv and writeCsv (see csvHelper in csv.ts), kept for the process. It
 * answers each request through the port it was given, and counts beats in the shared flags (the
 * other thread waits on them, not on an event loop): `read` reads a part of a file (readCsvPart)
 * and sends its columns, `format` formats a block of rows (formatBlock) and sends the text.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { UserError } from '../shared/errors.ts';
import { formatBlock, readCsvPart, type ReadCsvOptions, type RowFormat } from './csv.ts';

const { flags, port } = workerData as { flags: Int32Array; port: MessagePort };

const beat = () => {
  Atomics.add(flags, 1, 1);
  Atomics.notify(flags, 1);
};

type Request =
  | { task: 'format'; id: number; format: RowFormat; time: Float64Array; cols: Float64Array[] }
  | { task: 'read'; id: number; file: string; from: number; to: number; header: string[]; options: ReadCsvOptions };

port.on('message', (m: Request) => {
  if (m.task === 'format') {
    if (m.id < Atomics.load(flags, 2)) return; // done by the other thread meanwhile
    const text = formatBlock(m.time, m.cols, m.format);
    port.postMessage({ id: m.id, bytes: text.buffer, length: text.length }, [text.buffer as ArrayBuffer]);
  } else {
    try {
      const part = readCsvPart(m.file, m.from, m.to, m.header, m.options, beat);
      const buffers = new Set<ArrayBuffer>([part.time.buffer as ArrayBuffer]);
      for (const col of part.data) if (col) buffers.add(col.buffer as ArrayBuffer);
      port.postMessage({ id: m.id, part }, [...buffers]);
    } catch (e) {
      port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e), user: e instanceof UserError });
    }
  }
  beat();
});
Atomics.store(flags, 0, 1);
beat();
