/**
 * A training process on its own, for its peak memory (models.bench.ts runs it):
 * `node bin/run-ts.mjs bench/trainProcess.ts DUMP CONFIG.json` reads a table written by
 * `writeFrameDump` and a config, trains every model as `itb train` does (the rows' arrays made,
 * the table let go, then worker threads; no files written) and prints `{"seconds": …, "cpuSeconds": …, "peakMb": …}` on its last line (CPU time of all its
 * threads, which a busy machine stretches less than the wall time).
 */
import fs from 'node:fs';
import type { Config } from '../src/config/schema.ts';
import { Frame } from '../src/core/frame.ts';
import { prepareTraining, trainPrepared } from '../src/models/trainAll.ts';
import { peakRssMb } from './lib.ts';

/** The time column and `columns` of `frame` as one file: a JSON header line, then float64 columns. */
export function writeFrameDump(file: string, frame: Frame, columns: string[]): void {
  const text = JSON.stringify({ rows: frame.length, columns });
  const header = Buffer.from(`${text.padEnd(Math.ceil((text.length + 1) / 8) * 8 - 1)}\n`); // columns start 8-aligned
  const parts = [frame.time, ...columns.map((c) => frame.get(c))].map((a) => Buffer.from(Float64Array.from(a).buffer));
  fs.writeFileSync(file, Buffer.concat([header, ...parts]));
}

function readFrameDump(file: string): Frame {
  const data = fs.readFileSync(file);
  const end = data.indexOf(10);
  const { rows, columns } = JSON.parse(data.subarray(0, end).toString('utf8')) as { rows: number; columns: string[] };
  const column = (k: number) => new Float64Array(data.buffer, data.byteOffset + end + 1 + k * rows * 8, rows);
  const frame = new Frame(column(0));
  columns.forEach((c, k) => frame.set(c, column(k + 1)));
  return frame;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dump, configFile] = process.argv.slice(2);
  const config = JSON.parse(fs.readFileSync(configFile!, 'utf8')) as Config;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const jobs = await prepareTraining(config, readFrameDump(dump!));
  await trainPrepared(config, jobs, { save: false });
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMb: peakRssMb() }));
}
