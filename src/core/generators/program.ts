import type { Config } from '../../config/schema.ts';
import type { ColumnKind, Frame } from '../frame.ts';
import type { KernelFactory } from '../features/kernel.ts';
import type { InputFill } from '../features/fill.ts';
import type { CalibrationSource } from '../signals/calibration.ts';
import type { ConfigReader } from './configReader.ts';

/** One output column of a kernel program: which inputs feed it and its state machine. */
export interface KernelOutput {
  name: string;
  /** Positions in the program's `inputs`. */
  inputs: number[];
  make: KernelFactory;
  kind?: ColumnKind;
}

/**
 * A generator compiled to per-column state machines. The batch runs each kernel down its
 * columns; the stream keeps the kernels and feeds them one row at a time. Same kernels, same
 * order of arithmetic: the same numbers.
 */
export interface KernelProgram {
  type: 'kernels';
  /** Columns read (names as the generator sees them, i.e. after column_prefix is stripped). */
  inputs: string[];
  /** The config key that named the inputs, for "column not found" messages. */
  inputsKey: string;
  fill: InputFill;
  outputs: KernelOutput[];
  /** In-place transform of one row of raw outputs (relative values, percentage, log). */
  post?: (row: Float64Array) => void;
}

/**
 * A generator that works on whole frames (labels, custom functions). It adds its columns to
 * the frame it is given and returns their names. The stream runs it on a short tail window.
 */
export interface FrameProgram {
  type: 'frame';
  run(frame: Frame): Promise<string[]> | string[];
  /** False for look-ahead generators (labels), which have no meaning on a live stream. */
  streamable: boolean;
}

export type Program = KernelProgram | FrameProgram;

export interface CompileContext {
  config: Config;
  /** Where the generator's config sits, e.g. `feature_sets[2]`. */
  where: string;
  /** Folder of the config file (custom generator modules resolve against it). */
  configDir?: string;
  /** The models' training calibrations, for signal generators with `calibrate` (score columns → calibration). */
  calibration?: CalibrationSource;
}

export type GeneratorCompiler = (cfg: ConfigReader, ctx: CompileContext) => Program | Promise<Program>;
