import type { Config, GeneratorDef } from '../../config/schema.ts';
import { UserError } from '../errors.ts';
import type { Frame } from '../frame.ts';
import type { Kernel } from '../features/kernel.ts';
import type { CalibrationSource } from '../signals/calibration.ts';
import type { KernelProgram, Program } from './program.ts';
import { compileGeneratorSync } from './registry.ts';
import { RowStore } from './rowStore.ts';
import { checkInputs, outputName, prefixView, runKernelProgram } from './run.ts';

export interface StreamOptions {
  /** Rows kept for `frame()` / `tail()` and for custom generators (default max(1000, 2·features_horizon)). */
  keep?: number;
  /** Rows a custom generator sees on each new bar (default features_horizon + 1). */
  customWindow?: number;
  /** Folder of the config file (custom generator modules). */
  configDir?: string;
  /** The config section the definitions come from, for messages. */
  section?: string;
  /** The models' training calibrations (signal generators with `calibrate`). */
  calibration?: CalibrationSource;
}

/**
 * Generators computed one new bar at a time. `init(history)` computes the whole history in
 * batch and keeps every kernel's state; each `push` then updates only what the new bar
 * changes (O(1) or O(window) per column). The numbers equal a batch run over the same rows.
 */
export interface GeneratorStream {
  /** Columns the generators produce, in order. */
  readonly columns: string[];
  /** Computes the generators over `history` (a copy is used) and keeps their state; returns that copy with the new columns. */
  init(history: Frame): Frame;
  /**
   * Appends one bar (its raw values by column name, e.g. open, high, low, close, volume) and
   * returns the bar's whole row: the raw values and every generated column.
   */
  push(time: number, raw: Record<string, number>): Record<string, number>;
  /** The kept recent rows (raw and generated columns). */
  frame(): Frame;
  /** The last n kept rows. */
  tail(n: number): Frame;
  /** Rows seen so far (history and pushes). */
  readonly rows: number;
}

export type FeatureStream = GeneratorStream;

interface KernelSet {
  type: 'kernels';
  def: GeneratorDef;
  program: KernelProgram;
  where: string;
  inputNames: string[];
  outputNames: string[];
  kernels: Kernel[] | null;
  lastValid: Float64Array;
  values: Float64Array;
  scratch: Float64Array[];
  out: Float64Array;
}

interface FrameSet {
  type: 'frame';
  def: GeneratorDef;
  program: Extract<Program, { type: 'frame' }>;
  where: string;
  outputNames: string[] | null;
}

class Stream implements GeneratorStream {
  private readonly sets: Array<KernelSet | FrameSet>;
  private readonly store: RowStore;
  private readonly customWindow: number;
  private seen = 0;

  constructor(config: Config, defs: GeneratorDef[], options: StreamOptions) {
    const section = options.section ?? 'feature_sets';
    this.customWindow = options.customWindow ?? config.features_horizon + 1;
    this.store = new RowStore(Math.max(options.keep ?? Math.max(1000, 2 * config.features_horizon), this.customWindow));
    this.sets = defs.map((def, i) => {
      const where = `${section}[${i}]`;
      const program = compileGeneratorSync(def, { config, where, configDir: options.configDir, calibration: options.calibration });
      if (program.type === 'frame') {
        if (!program.streamable) throw new UserError(`${where}: the generator "${def.generator}" looks at future rows and cannot run on a live stream`);
        return { type: 'frame', def, program, where, outputNames: null } satisfies FrameSet;
      }
      const p = def.column_prefix ? `${def.column_prefix}_` : '';
      return {
        type: 'kernels',
        def,
        program,
        where,
        inputNames: program.inputs.map((c) => p + c),
        outputNames: program.outputs.map((o) => outputName(def, o.name)),
        kernels: null,
        lastValid: new Float64Array(program.inputs.length).fill(NaN),
        values: new Float64Array(program.inputs.length),
        scratch: program.outputs.map((o) => new Float64Array(o.inputs.length)),
        out: new Float64Array(program.outputs.length),
      } satisfies KernelSet;
    });
  }

  get columns(): string[] {
    return this.sets.flatMap((s) => (s.type === 'kernels' ? s.outputNames : (s.outputNames ?? [])));
  }

  get rows(): number {
    return this.seen;
  }

  init(history: Frame): Frame {
    const work = history.slice(0);
    for (const s of this.sets) {
      const view = prefixView(work, s.def.column_prefix);
      if (s.type === 'kernels') {
        checkInputs(s.program, view, s.where);
        const run = runKernelProgram(s.program, view);
        s.kernels = run.kernels;
        s.lastValid = run.lastValid;
        s.outputNames.forEach((n, j) => {
          work.delete(n);
          work.set(n, run.columns[j]!, s.program.outputs[j]!.kind ?? 'float');
        });
      } else {
        const produced = s.program.run(view);
        if (produced instanceof Promise) throw new UserError(`${s.where}: a streamed custom generator must be synchronous`);
        s.outputNames = produced.map((n) => outputName(s.def, n));
        produced.forEach((n, j) => {
          work.delete(s.outputNames![j]!);
          work.set(s.outputNames![j]!, view.get(n), view.kind(n));
        });
      }
    }
    this.store.load(work);
    this.seen = work.length;
    return work;
  }

  push(time: number, raw: Record<string, number>): Record<string, number> {
    const row = this.store.append(time);
    const result: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) {
      const x = typeof v === 'number' ? v : NaN;
      this.store.set(row, k, x);
      result[k] = x;
    }
    for (const s of this.sets) {
      if (s.type === 'kernels') this.pushKernels(s, row, result);
      else this.pushFrame(s, row, result);
    }
    this.seen++;
    return result;
  }

  private pushKernels(s: KernelSet, row: number, result: Record<string, number>): void {
    if (!s.kernels) {
      // The first bar of a stream without history: the inputs must be there, as in a batch run.
      for (const name of s.inputNames) {
        if (!(name in result) && Number.isNaN(this.store.get(row, name))) {
          throw new UserError(`${s.where}.config.${s.program.inputsKey}: column "${name}" is not in the pushed bar (it has: ${Object.keys(result).join(', ')})`);
        }
      }
      s.kernels = s.program.outputs.map((o) => o.make());
    }
    const fill = s.program.fill !== 'none';
    for (let q = 0; q < s.inputNames.length; q++) {
      const name = s.inputNames[q]!;
      let v = name in result ? result[name]! : this.store.get(row, name);
      if (fill) {
        if (v === v) s.lastValid[q] = v;
        else v = s.lastValid[q]!;
      }
      s.values[q] = v;
    }
    const outs = s.program.outputs;
    for (let j = 0; j < outs.length; j++) {
      const k = s.kernels[j]!;
      const ins = outs[j]!.inputs;
      if (ins.length === 1 && k.next1) s.out[j] = k.next1(s.values[ins[0]!]!);
      else {
        const sc = s.scratch[j]!;
        for (let q = 0; q < ins.length; q++) sc[q] = s.values[ins[q]!]!;
        s.out[j] = k.next(sc);
      }
    }
    s.program.post?.(s.out);
    for (let j = 0; j < outs.length; j++) {
      const name = s.outputNames[j]!;
      this.store.set(row, name, s.out[j]!, outs[j]!.kind);
      result[name] = s.out[j]!;
    }
  }

  /** Custom generators: run on the last `customWindow` rows, keep the newest row's values. */
  private pushFrame(s: FrameSet, row: number, result: Record<string, number>): void {
    const window = this.store.tail(this.customWindow);
    const view = prefixView(window, s.def.column_prefix);
    const produced = s.program.run(view);
    if (produced instanceof Promise) throw new UserError(`${s.where}: a streamed custom generator must be synchronous`);
    s.outputNames = produced.map((n) => outputName(s.def, n));
    produced.forEach((n, j) => {
      const v = view.get(n)[view.length - 1]!;
      this.store.set(row, s.outputNames![j]!, v, view.kind(n));
      result[s.outputNames![j]!] = v;
    });
  }

  frame(): Frame {
    return this.store.tail();
  }

  tail(n: number): Frame {
    return this.store.tail(n);
  }
}

/**
 * The online path of the feature sets: see GeneratorStream. Custom generators in the config
 * must be loaded first (`preloadGenerators`, or use `openFeatureStream`).
 */
export function createFeatureStream(config: Config, defs: GeneratorDef[] = config.feature_sets, options: StreamOptions = {}): GeneratorStream {
  return new Stream(config, defs, { section: 'feature_sets', ...options });
}

/**
 * The signal sets on a stream of score rows: push the newest row's scores (and prices) and
 * get its signals; smoothing windows keep their state between bars.
 */
export function createSignalStream(config: Config, defs: GeneratorDef[] = config.signal_sets, options: StreamOptions = {}): GeneratorStream {
  return new Stream(config, defs, { section: 'signal_sets', keep: 64, customWindow: 64, ...options });
}
