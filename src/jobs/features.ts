import fs from 'node:fs';
import path from 'node:path';
import { stageFile, symbolFolder } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { Frame } from '../core/frame.ts';
import { configDirOf, runGeneratorSet, type RunOptions, type SetSection } from '../core/generators/index.ts';
import { appendText } from '../storage/atomic.ts';
import { resolveDataFile } from '../storage/csv.ts';
import { readTable, STAGE_OUTPUT, writeTable } from '../storage/table.ts';
import { applyRowWindow, type JobContext } from './context.ts';

/** Which command makes each stage's input, for the "file is missing" sentence. */
const MADE_BY: Record<string, string> = { merge_file_name: 'itb merge', feature_file_name: 'itb features', predict_file_name: 'itb predict' };

/** Reads a stage's input table from the symbol folder, or says which command creates it. */
export async function readStageInput(config: Config, key: 'merge_file_name' | 'feature_file_name' | 'predict_file_name'): Promise<Frame> {
  const name = config[key];
  const file = resolveDataFile(stageFile(config, name));
  if (!fs.existsSync(file)) {
    throw new UserError(`${name} is not in ${symbolFolder(config)}; create it with \`${MADE_BY[key]} -c CONFIG\` first`);
  }
  return readTable(file, { timeColumn: config.time_column });
}

/** ±Infinity (a division by zero) becomes NaN; returns the per-column count of NaN. */
export function cleanColumns(frame: Frame, names: string[]): Map<string, number> {
  const missing = new Map<string, number>();
  for (const n of names) {
    const c = frame.get(n);
    let nan = 0;
    for (let i = 0; i < c.length; i++) {
      const v = c[i]!;
      if (v === Infinity || v === -Infinity) c[i] = NaN;
      if (c[i] !== c[i]) nan++;
    }
    missing.set(n, nan);
  }
  return missing;
}

/** Runs one config section's generators in order with progress; returns the new columns. */
export async function runSectionWithProgress(ctx: JobContext, frame: Frame, section: SetSection, options: Pick<RunOptions, 'calibration'> = {}): Promise<string[]> {
  const defs = ctx.config[section];
  if (!defs.length) throw new UserError(`${section} is empty in the config: there is nothing to compute`);
  const all: string[] = [];
  const configDir = configDirOf(ctx.configFile || undefined);
  for (let i = 0; i < defs.length; i++) {
    if (ctx.signal?.aborted) throw new UserError(`${section}: stopped before ${section}[${i}]`);
    const t0 = performance.now();
    const names = await runGeneratorSet(frame, defs[i]!, ctx.config, { ...options, where: `${section}[${i}]`, configDir });
    all.push(...names.filter((n) => !all.includes(n)));
    ctx.progress({ stage: section.replace('_sets', 's'), done: i + 1, total: defs.length, unit: 'sets', detail: `${defs[i]!.generator}: ${names.length} column(s) in ${Math.round(performance.now() - t0)} ms` });
  }
  return all;
}

/** Warns, like the original, about rows with a missing value in the new columns. */
export function warnMissing(ctx: JobContext, frame: Frame, names: string[], what: string): void {
  const counts = cleanColumns(frame, names);
  // rows with a NaN in any of the columns, one column at a time
  const missing = new Uint8Array(frame.length);
  for (const n of names) {
    const c = frame.get(n);
    for (let i = 0; i < c.length; i++) if (c[i] !== c[i]) missing[i] = 1;
  }
  let rows = 0;
  for (let i = 0; i < missing.length; i++) rows += missing[i]!;
  if (!rows) return;
  const worst = [...counts].filter(([, k]) => k > 0).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, k]) => `${n} ${k}`);
  ctx.log.warn(`${rows} of ${frame.length} rows have a missing value in some ${what} column (most: ${worst.join(', ')})`);
}

/** The original's side file line: "a", "b", "c" and a blank line. */
export function appendColumnList(outFile: string, names: string[]): string {
  const txt = outFile.replace(/(\.csv(\.gz)?|\.gz|\.parquet)$/i, '') + '.txt';
  appendText(txt, names.map((n) => `"${n}"`).join(', ') + '\n\n');
  return txt;
}

/**
 * `itb features` (the original's features.py): data.csv → features.csv with every
 * feature_sets generator applied in order (row window as in the original), floats at full
 * precision; the feature list is appended to features.txt.
 */
export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const frame = applyRowWindow(await readStageInput(config, 'merge_file_name'), config);
  if (!frame.length) throw new UserError(`${config.merge_file_name} has no rows`);
  const names = await runSectionWithProgress(ctx, frame, 'feature_sets');
  warnMissing(ctx, frame, names, 'feature');
  const out = stageFile(config, config.feature_file_name);
  writeTable(out, frame, { ...STAGE_OUTPUT, timeColumn: config.time_column });
  const txt = appendColumnList(out, names);
  ctx.log.info(`${names.length} features for ${frame.length} rows stored in ${out} (list appended to ${path.basename(txt)})`);
  return 0;
}
