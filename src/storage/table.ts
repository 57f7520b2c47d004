/**
 * Stage files in either format, chosen as the original chooses it: by the file name's
 * extension (`.parquet`, else CSV, `.csv.gz` gzipped).
 */
import type { Frame } from '../core/frame.ts';
import { readCsv, writeCsv, type ReadCsvOptions, type WriteCsvOptions } from './csv.ts';
import { isParquetFile, readParquet, writeParquet } from './parquet.ts';

export { isParquetFile };

/** Reads a CSV, CSV.gz or parquet file into a Frame. */
export async function readTable(file: string, options: ReadCsvOptions = {}): Promise<Frame> {
  return isParquetFile(file) ? readParquet(file, options) : readCsv(file, options);
}

/**
 * Writes a frame as parquet or CSV by the name's extension, atomically. `decimals` applies to CSV
 * only. The stages' outputs pass STAGE_OUTPUT: they can be made again, so no fsync is waited for.
 */
export function writeTable(file: string, frame: Frame, options: WriteCsvOptions = {}): void {
  if (isParquetFile(file)) writeParquet(file, frame, options);
  else writeCsv(file, frame, options);
}

/** Options of a stage's output table (data, features, matrix, predictions, signals). */
export const STAGE_OUTPUT = { durable: false } as const;
