import { CALIBRATION_METHODS, calibrateScore } from '../signals/calibration.ts';
import { CombineScores, type ScoreTransform } from '../signals/combine.ts';
import { Smoothen } from '../signals/smoothen.ts';
import { ThresholdSignal } from '../signals/thresholdRule.ts';
import type { ConfigReader } from './configReader.ts';
import type { CompileContext, KernelProgram } from './program.ts';

/** The single output name of smoothen / combine: `names` must be one string. */
function singleName(cfg: ConfigReader): string {
  const v = cfg.get('names');
  if (typeof v !== 'string' || !v) cfg.fail('names', `expected one output column name (a string), got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function twoNames(cfg: ConfigReader): [string, string] {
  const names = cfg.names();
  if (names.length !== 2 || !Array.isArray(cfg.get('names'))) cfg.fail('names', 'expected a list of two column names: [buy, sell]');
  return [names[0]!, names[1]!];
}

export function compileSmoothen(cfg: ConfigReader): KernelProgram {
  const columns = cfg.columns();
  const name = singleName(cfg);
  const w = cfg.get('window');
  if (w !== undefined && w !== null && (typeof w !== 'number' || w <= 0)) cfg.fail('window', `expected a positive number, got ${JSON.stringify(w)}`);
  // The original tells the rolling mean from the EWM by int vs float; JSON has only numbers,
  // so a fractional window (e.g. 10.5) or "ewm": true selects the EWM.
  const exponential = typeof w === 'number' && (!Number.isInteger(w) || cfg.bool('ewm'));
  const pointThreshold = cfg.has('point_threshold') ? cfg.number('point_threshold') : undefined;
  return {
    type: 'kernels',
    inputs: columns,
    inputsKey: 'columns',
    fill: 'none',
    outputs: [{ name, inputs: columns.map((_, i) => i), make: () => new Smoothen({ window: (w as number) || undefined, exponential, pointThreshold }) }],
  };
}

/**
 * `calibrate` of combine: each score read through its model's training calibration
 * (core/signals/calibration.ts). The calibration is looked up on every row, so a service that
 * swaps in retrained models uses their calibration from the next bar on.
 */
function readCalibration(cfg: ConfigReader, ctx: CompileContext, columns: string[], mode: string): readonly [ScoreTransform, ScoreTransform] | undefined {
  const method = cfg.oneOf('calibrate', CALIBRATION_METHODS, 'none');
  if (method === 'none') return undefined;
  if (method === 'base_rate' && mode === 'relative') cfg.fail('calibrate', '"base_rate" gives negative values, which "relative" cannot combine; use "combine": "difference" or "calibrate": "percentile"');
  const source = ctx.calibration;
  if (!source) cfg.fail('calibrate', `"${method}" reads the models' training calibration, which this command has no models for`);
  for (const c of columns) {
    if (!source(c)) cfg.fail('calibrate', `column "${c}" has no training calibration: it is not the score of a model trained by this version (retrain with \`itb train\`)`);
  }
  const transform = (column: string): ScoreTransform => (p) => {
    const c = source(column);
    return c ? calibrateScore(method, p, c) : NaN;
  };
  return [transform(columns[0]!), transform(columns[1]!)];
}

export function compileCombine(cfg: ConfigReader, ctx: CompileContext): KernelProgram {
  const columns = cfg.columns();
  if (columns.length !== 2 || !Array.isArray(cfg.get('columns'))) cfg.fail('columns', 'expected a list of two score columns: [up, down]');
  const name = singleName(cfg);
  const mode = cfg.has('combine') ? (cfg.string('combine') as 'difference' | 'relative' | 'no_combine') : 'no_combine';
  const coefficient = cfg.has('coefficient') ? cfg.number('coefficient') : 0;
  const constant = cfg.has('constant') ? cfg.number('constant') : 0;
  const transforms = readCalibration(cfg, ctx, columns, mode);
  return {
    type: 'kernels',
    inputs: columns,
    inputsKey: 'columns',
    fill: 'none',
    outputs: [{ name, inputs: [0, 1], make: () => new CombineScores(mode, coefficient, constant, transforms) }],
  };
}

export function compileThresholdRule(cfg: ConfigReader): KernelProgram {
  const v = cfg.get('columns');
  if (Array.isArray(v) && v.length !== 1) cfg.fail('columns', 'expected one score column name (use threshold_rule2 for two)');
  const column = cfg.columns()[0]!;
  const [buy, sell] = twoNames(cfg);
  const p = cfg.section('parameters');
  const bt = p.number('buy_signal_threshold');
  const st = p.number('sell_signal_threshold');
  return {
    type: 'kernels',
    inputs: [column],
    inputsKey: 'columns',
    fill: 'none',
    outputs: [
      { name: buy, inputs: [0], make: () => new ThresholdSignal('buy', [bt]), kind: 'bool' },
      { name: sell, inputs: [0], make: () => new ThresholdSignal('sell', [st]), kind: 'bool' },
    ],
  };
}

export function compileThresholdRule2(cfg: ConfigReader): KernelProgram {
  const columns = cfg.columns();
  if (columns.length !== 2) cfg.fail('columns', 'expected a list of two score column names');
  const [buy, sell] = twoNames(cfg);
  const p = cfg.section('parameters');
  const buyT = [p.number('buy_signal_threshold'), p.number('buy_signal_threshold_2')];
  const sellT = [p.number('sell_signal_threshold'), p.number('sell_signal_threshold_2')];
  return {
    type: 'kernels',
    inputs: columns,
    inputsKey: 'columns',
    fill: 'none',
    outputs: [
      { name: buy, inputs: [0, 1], make: () => new ThresholdSignal('buy', buyT), kind: 'bool' },
      { name: sell, inputs: [0, 1], make: () => new ThresholdSignal('sell', sellT), kind: 'bool' },
    ],
  };
}
