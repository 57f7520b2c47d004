import { readRelativeParams, relativePost } from '../features/relative.ts';
import { RollingApply, RollingFirstMax, RollingMoment, halfWindow } from '../features/rollingKernels.ts';
import type { Kernel } from '../features/kernel.ts';
import {
  areaRatio,
  areaRatioOf,
  longestStrikeBelowMean,
  longestStrikeBelowMeanOf,
  meanSecondDerivativeCentral,
  nanMean,
  nanStd,
  slope,
  pandasKurtosis,
  pandasSkew,
  scipyKurtosis,
  scipySkew,
} from '../features/windowStats.ts';
import type { ConfigReader } from './configReader.ts';
import type { KernelOutput, KernelProgram } from './program.ts';
import { readFill } from './talibGenerator.ts';

type StatMaker = (w: number, minPeriods: number, bias: boolean) => Kernel;

/** The `itbstats` functions (names are case-insensitive). */
export const ITBSTATS_FUNCTIONS: Record<string, StatMaker> = {
  mean: (w, mp) => new RollingMoment(w, mp, 'mean'),
  std: (w, mp) => new RollingMoment(w, mp, 'std'),
  slope: (w, mp) => new RollingMoment(w, mp, 'slope'),
  area: (w, mp) => new RollingApply(w, mp, (x) => areaRatio(x, false), (x, from, to) => areaRatioOf(x, from, to, false)),
  lsbm: (w, mp) => new RollingApply(w, mp, longestStrikeBelowMean, longestStrikeBelowMeanOf),
  fmax: (w, mp) => new RollingFirstMax(w, mp),
  scipy_skew: (w, mp, bias) => new RollingApply(w, mp, (x) => scipySkew(x, bias)),
  scipy_kurtosis: (w, mp, bias) => new RollingApply(w, mp, (x) => scipyKurtosis(x, bias)),
  pandas_skew: (w, mp) => new RollingApply(w, mp, pandasSkew),
  pandas_kurtosis: (w, mp) => new RollingApply(w, mp, pandasKurtosis),
};

/**
 * With `interpolate: "none"` gaps can sit inside a window; the O(1) kernels assume they
 * cannot, so the direct window statistics are used instead.
 */
const WITH_GAPS: Record<string, StatMaker> = {
  mean: (w, mp) => new RollingApply(w, mp, nanMean),
  std: (w, mp) => new RollingApply(w, mp, nanStd),
  slope: (w, mp) => new RollingApply(w, mp, slope),
};

/** The first input column (the original's itbstats and tsfresh read only one). */
function firstColumn(cfg: ConfigReader): string {
  return cfg.columns()[0]!;
}

/**
 * `itbstats`: rolling statistics of one column, windows with pandas' min_periods =
 * max(1, w // 2). Output `<col>_<function as written>_<w>`.
 */
export function compileItbstats(cfg: ConfigReader): KernelProgram {
  const col = firstColumn(cfg);
  const fns = cfg.list('functions', { required: true });
  const windows = cfg.requiredWindows('windows');
  const bias = cfg.section('parameters').bool('bias', false);
  const fill = readFill(cfg);
  const outputs: KernelOutput[] = [];
  const groups: number[][] = [];
  fns.forEach((f, i) => {
    if (typeof f !== 'string') cfg.fail(`functions[${i}]`, `expected a function name, got ${JSON.stringify(f)}`);
    const make = (fill === 'none' ? WITH_GAPS[f.toLowerCase()] : undefined) ?? ITBSTATS_FUNCTIONS[f.toLowerCase()];
    if (!make) cfg.fail('functions', `unknown itbstats function "${f}" (known: ${Object.keys(ITBSTATS_FUNCTIONS).join(', ')})`);
    const g: number[] = [];
    for (const w of windows) {
      g.push(outputs.length);
      outputs.push({ name: `${col}_${f}_${w}`, inputs: [0], make: () => make(w, halfWindow(w), bias) });
    }
    groups.push(g);
  });
  return { type: 'kernels', inputs: [col], inputsKey: 'columns', fill, outputs, post: relativePost(groups, readRelativeParams(cfg)) };
}

/**
 * `tsfresh`: the five tsfresh statistics the original used, per window (min_periods w // 2):
 * skewness, kurtosis (pandas' unbiased), msdc, lsbm, fmax.
 */
export function compileTsfresh(cfg: ConfigReader): KernelProgram {
  const col = firstColumn(cfg);
  const windows = cfg.requiredWindows('windows');
  const stats: Array<[string, (x: Float64Array) => number, ((x: Float64Array, from: number, to: number) => number)?]> = [
    ['skewness', pandasSkew],
    ['kurtosis', pandasKurtosis],
    ['msdc', meanSecondDerivativeCentral],
    ['lsbm', longestStrikeBelowMean, longestStrikeBelowMeanOf],
  ];
  const outputs: KernelOutput[] = [];
  for (const w of windows) {
    for (const [suffix, fn, fnOf] of stats) {
      outputs.push({ name: `${col}_${suffix}_${w}`, inputs: [0], make: () => new RollingApply(w, halfWindow(w), fn, fnOf) });
    }
    outputs.push({ name: `${col}_fmax_${w}`, inputs: [0], make: () => new RollingFirstMax(w, halfWindow(w)) });
  }
  return { type: 'kernels', inputs: [col], inputsKey: 'columns', fill: readFill(cfg), outputs };
}
