/**
 * `itb merge -c FILE`: the original's merge (§1.3). Every data source's file is read, its
 * columns prefixed, and all are joined onto one regular raster at `freq`, from the earliest
 * start to the earliest end, into data_folder/symbol/<merge_file_name> (data.csv).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { stageFile } from '../config/load.ts';
import { UserError } from '../shared/errors.ts';
import { checkCandles } from '../core/candleChecks.ts';
import { mergeDataSources, type MergeResult, type MergeSource } from '../core/merge.ts';
import { formatTime, parseFreq } from '../core/time.ts';
import { readFileMaybeGz, resolveDataFile } from '../storage/csv.ts';
import { rowLineNumbers } from '../storage/csvLines.ts';
import { isParquetFile, readTable, STAGE_OUTPUT, writeTable } from '../storage/table.ts';
import { applyRowWindow, type JobContext } from './context.ts';

/** The file of a data source: data_folder/<folder>/<file or folder>, `.csv` when it has no extension; CSV, CSV.gz or parquet. */
export function sourceFile(config: Config, index: number): string {
  const ds = config.data_sources[index]!;
  const where = `data_sources[${index}]`;
  if (!ds.folder) throw new UserError(`${where}.folder is empty: it names the folder of the source's file`);
  let name = ds.file || ds.folder;
  if (!path.extname(name)) name += '.csv';
  const file = path.join(path.resolve(config.data_folder), ds.folder, name);
  if (!/\.(csv(\.gz)?|parquet)$/i.test(file)) throw new UserError(`${where}: ${path.basename(file)} is neither .csv, .csv.gz nor .parquet`);
  return file;
}

/**
 * Reads every data source, checked (checkCandles: prices, conflicting rows, spacing against
 * freq, each named by file and line, or row of a parquet file), with the row window applied to
 * each as the original does.
 */
export async function loadSources(config: Config): Promise<MergeSource[]> {
  if (!config.data_sources.length) throw new UserError('data_sources is empty: there is nothing to merge');
  const freq = parseFreq(config.freq);
  return Promise.all(config.data_sources.map(async (ds, i) => {
    const file = resolveDataFile(sourceFile(config, i));
    if (!fs.existsSync(file)) {
      throw new UserError(`data_sources[${i}]: ${file} does not exist (run itb download or itb import first)`);
    }
    const label = `data_sources[${i}] (${ds.folder}/${path.basename(file)})`;
    const parquet = isParquetFile(file);
    let lines: Int32Array | undefined;
    const lineOf = parquet ? (row: number) => row + 1 : (row: number) => (lines ??= rowLineNumbers(readFileMaybeGz(file), true))[row]!;
    const frame = applyRowWindow(checkCandles(await readTable(file, { timeColumn: config.time_column }), { label, lineOf, freq, unit: parquet ? 'row' : 'line' }), config);
    return { label, frame, prefix: ds.column_prefix ?? '' };
  }));
}

/** Lines for a person: the raster, the cut, and per source its missing bars and largest gaps. */
export function mergeReport(result: MergeResult, freqAlias: string): string[] {
  const lines = [`raster ${freqAlias} from ${formatTime(result.start)} to ${formatTime(result.end)}: ${result.frame.length} rows`];
  for (const c of result.cut) lines.push(`${c.label} goes on to ${formatTime(c.end)} but the merge stops at the earliest source end, ${formatTime(result.end)}`);
  for (const g of result.gaps) {
    if (!g.missingBars) {
      lines.push(`${g.label}: no missing bars`);
      continue;
    }
    const largest = g.largest.map((x) => `${formatTime(x.start)}${x.bars > 1 ? ` … ${formatTime(x.end)}` : ''} (${x.bars})`).join(', ');
    lines.push(`${g.label}: ${g.missingBars} missing bars; largest gaps: ${largest}`);
  }
  return lines;
}

/** One sentence per source with candles between the raster's bars (left out of the merge). */
export function offRasterWarnings(result: MergeResult, freqAlias: string): string[] {
  return result.offRaster.map((o) => `${o.label}: ${o.rows} candles fall between the ${freqAlias} bars and are left out (the first at ${formatTime(o.first)})`);
}

export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const freq = parseFreq(config.freq);
  const out = stageFile(config, config.merge_file_name);
  const result = mergeDataSources(await loadSources(config), freq, { interpolate: config.merge_interpolate });
  writeTable(out, result.frame, { ...STAGE_OUTPUT, timeColumn: config.time_column });
  for (const line of mergeReport(result, config.freq)) ctx.log.info(line);
  for (const line of offRasterWarnings(result, config.freq)) ctx.log.warn(line);
  ctx.log.info(`merged ${config.data_sources.length} source(s) into ${out}${config.merge_interpolate ? ' (gaps interpolated)' : ''}`);
  return 0;
}
