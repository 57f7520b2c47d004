import type { Config, GeneratorDef } from '../../config/schema.ts';
import { UserError } from '../errors.ts';
import { Frame } from '../frame.ts';
import { fillColumn } from '../features/fill.ts';
import { runKernel, type Kernel } from '../features/kernel.ts';
import type { CalibrationSource } from '../signals/calibration.ts';
import type { KernelProgram, Program } from './program.ts';
import { compileGenerator, compileGeneratorSync } from './registry.ts';

export interface RunOptions {
  /** Where the definition sits in the config, for messages (default "generator"). */
  where?: string;
  /** Folder of the config file; custom generator modules are resolved against it first. */
  configDir?: string;
  /** The models' training calibrations (signal generators with `calibrate`). */
  calibration?: CalibrationSource;
}

/**
 * The columns a generator sees: with `column_prefix` "p", only columns "p_…", renamed
 * without the prefix; otherwise every column. The arrays are shared, not copied.
 */
export function prefixView(frame: Frame, columnPrefix: string | null | undefined): Frame {
  const view = new Frame(frame.time);
  const p = columnPrefix ? `${columnPrefix}_` : '';
  for (const name of frame.columnNames()) {
    if (!p) view.set(name, frame.get(name), frame.kind(name));
    else if (name.startsWith(p)) view.set(name.slice(p.length), frame.get(name), frame.kind(name));
  }
  return view;
}

/** The name a generator output gets in the main table (`feature_prefix`). */
export function outputName(def: GeneratorDef, name: string): string {
  return def.feature_prefix ? `${def.feature_prefix}_${name}` : name;
}

/** The kernels of a batch run, left in their end state so a stream can continue from it. */
export interface KernelRun {
  columns: Float64Array[];
  kernels: Kernel[];
  /** Last known value of each input (what a gap on the next row is filled with). */
  lastValid: Float64Array;
}

export function checkInputs(program: KernelProgram, view: Frame, where: string): void {
  for (const c of program.inputs) {
    if (!view.has(c)) {
      const known = view.columnNames();
      const shown = known.length > 25 ? `${known.slice(0, 25).join(', ')}, … (${known.length} in all)` : known.join(', ');
      throw new UserError(`${where}.config.${program.inputsKey}: column "${c}" is not in the data (columns: ${shown || 'none'})`);
    }
  }
}

/** Batch run of a kernel program over a view (inputs checked by the caller). */
export function runKernelProgram(program: KernelProgram, view: Frame): KernelRun {
  const raw = program.inputs.map((c) => view.get(c));
  const filled = raw.map((c) => fillColumn(c, program.fill));
  const lastValid = new Float64Array(raw.length).fill(NaN);
  raw.forEach((c, q) => {
    for (let i = c.length - 1; i >= 0; i--) {
      if (c[i] === c[i]) {
        lastValid[q] = c[i]!;
        break;
      }
    }
  });
  const kernels = program.outputs.map((o) => o.make());
  const columns = program.outputs.map((o, j) => runKernel(kernels[j]!, o.inputs.map((q) => filled[q]!), view.length));
  if (program.post) {
    const row = new Float64Array(columns.length);
    for (let i = 0; i < view.length; i++) {
      for (let j = 0; j < columns.length; j++) row[j] = columns[j]![i]!;
      program.post(row);
      for (let j = 0; j < columns.length; j++) columns[j]![i] = row[j]!;
    }
  }
  return { columns, kernels, lastValid };
}

/**
 * Runs a compiled program on the frame: adds (or overwrites) its output columns and returns
 * their names. Re-running replaces the columns (they move to the end, as in the original).
 */
export async function applyProgram(frame: Frame, def: GeneratorDef, program: Program, where: string): Promise<string[]> {
  const view = prefixView(frame, def.column_prefix);
  if (program.type === 'kernels') {
    checkInputs(program, view, where);
    const run = runKernelProgram(program, view);
    const names = program.outputs.map((o) => outputName(def, o.name));
    names.forEach((n, j) => {
      frame.delete(n);
      frame.set(n, run.columns[j]!, program.outputs[j]!.kind ?? 'float');
    });
    return names;
  }
  const produced = await program.run(view);
  return produced.map((n) => {
    const out = outputName(def, n);
    const col = view.get(n);
    const kind = view.kind(n);
    frame.delete(out);
    frame.set(out, col, kind);
    return out;
  });
}

/**
 * Runs one generator definition (feature, label or signal set) on the frame: adds or
 * overwrites its columns and returns their names.
 */
export async function runGeneratorSet(frame: Frame, def: GeneratorDef, config: Config, options: RunOptions = {}): Promise<string[]> {
  const where = options.where ?? 'generator';
  const program = await compileGenerator(def, { config, where, configDir: options.configDir, calibration: options.calibration });
  return applyProgram(frame, def, program, where);
}

export type SetSection = 'feature_sets' | 'label_sets' | 'signal_sets';

/** Runs every definition of a config section in order; returns the new column names. */
export async function runSection(frame: Frame, config: Config, section: SetSection, options: RunOptions = {}): Promise<string[]> {
  const all: string[] = [];
  const defs = config[section];
  for (let i = 0; i < defs.length; i++) {
    all.push(...(await runGeneratorSet(frame, defs[i]!, config, { ...options, where: `${section}[${i}]` })));
  }
  return all;
}

/** Synchronous variant for sections without custom generators that were not preloaded. */
export function runSectionSync(frame: Frame, config: Config, section: SetSection, options: RunOptions = {}): string[] {
  const all: string[] = [];
  config[section].forEach((def, i) => {
    const where = `${section}[${i}]`;
    const program = compileGeneratorSync(def, { config, where, configDir: options.configDir, calibration: options.calibration });
    const view = prefixView(frame, def.column_prefix);
    if (program.type === 'kernels') {
      checkInputs(program, view, where);
      const run = runKernelProgram(program, view);
      program.outputs.forEach((o, j) => {
        const n = outputName(def, o.name);
        frame.delete(n);
        frame.set(n, run.columns[j]!, o.kind ?? 'float');
        all.push(n);
      });
      return;
    }
    const produced = program.run(view);
    if (produced instanceof Promise) throw new UserError(`${where}: this generator is asynchronous; use the asynchronous runner`);
    for (const n of produced) {
      const out = outputName(def, n);
      frame.delete(out);
      frame.set(out, view.get(n), view.kind(n));
      all.push(out);
    }
  });
  return all;
}
