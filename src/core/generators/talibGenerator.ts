import { TALIB_FUNCTIONS, TALIB_NAMES, type TalibFunction } from '../features/talib/index.ts';
import { readRelativeParams, relativePost } from '../features/relative.ts';
import { UnaryKernel } from '../features/kernel.ts';
import { INPUT_FILLS, type InputFill } from '../features/fill.ts';
import type { ConfigReader } from './configReader.ts';
import type { KernelOutput, KernelProgram } from './program.ts';

/** The window-1 rule: a one-input function over one row is the input itself. */
class Identity extends UnaryKernel {
  next1(x: number): number {
    return x;
  }
  fill(x: Float64Array, out: Float64Array): void {
    out.set(x);
  }
}

export function readFill(cfg: ConfigReader): InputFill {
  return cfg.oneOf('interpolate', INPUT_FILLS, 'previous');
}

/** Maps the `columns` setting onto the function's TA-Lib argument names. */
function bindColumns(cfg: ConfigReader, fnName: string, fn: TalibFunction): string[] {
  const raw = cfg.get('columns');
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const byArg = raw as Record<string, unknown>;
    return fn.inputs.map((arg, i) => {
      const col = byArg[arg] ?? (fn.inputs.length === 1 ? Object.values(byArg)[0] : Object.values(byArg)[i]);
      if (typeof col !== 'string' || !col) cfg.fail(`columns.${arg}`, `${fnName} needs a column for its input "${arg}"`);
      return col;
    });
  }
  if ((raw === undefined || raw === null) && fn.inputs.every((a) => ['open', 'high', 'low', 'close', 'volume'].includes(a))) {
    return [...fn.inputs];
  }
  const cols = cfg.columns();
  if (cols.length !== fn.inputs.length) {
    cfg.fail('columns', `${fnName} takes ${fn.inputs.length} input column(s) (${fn.inputs.join(', ')}), got ${cols.length}`);
  }
  return cols;
}

/** The output name of one window, by the original's rules (see compileTalib). */
function outputBase(cfg: ConfigReader, names: string[], cols: string, fn: string, w: number | null, j: number, windowCount: number): string {
  const namesIsList = Array.isArray(cfg.get('names'));
  if (names.length === 0) return w === null ? `${cols}_${fn}` : `${cols}_${fn}_${w}`;
  if (!namesIsList) return w === null ? names[0]! : `${cols}_${fn}_${names[0]}_${w}`;
  return names[j] ?? cfg.fail('names', `has ${names.length} name(s) but there are ${windowCount} windows`);
}

/**
 * `talib`: TA-Lib functions × windows. Output names follow the original:
 * `<cols>_<FN>_<w>`, `<cols>_<FN>_<names>_<w>` when names is a string, names[j] when it is a
 * list, `<cols>_<FN>` without a window. Functions with several outputs (BBANDS, MACD, STOCH,
 * STOCHRSI, AROON) append `_<output>` (e.g. close_BBANDS_20_upperband). `args` sets other
 * TA-Lib parameters (e.g. {"nbdevup": 1.5}).
 */
export function compileTalib(cfg: ConfigReader): KernelProgram {
  const funcNames = cfg.list('functions', { required: true });
  if (!funcNames.length) cfg.fail('functions', 'is empty (expected TA-Lib function names such as "SMA")');
  const windows = cfg.windows('windows');
  const names = cfg.names();
  const args = cfg.section('args');
  const fill = readFill(cfg);
  const inputs: string[] = [];
  const outputs: KernelOutput[] = [];
  const groups: number[][] = [];

  funcNames.forEach((f, fi) => {
    if (typeof f !== 'string') cfg.fail(`functions[${fi}]`, `expected a TA-Lib function name, got ${JSON.stringify(f)}`);
    const fnName = f.toUpperCase();
    const fn = TALIB_FUNCTIONS[fnName];
    if (!fn) cfg.fail('functions', `unknown TA-Lib function "${f}" (known: ${TALIB_NAMES.join(', ')})`);
    const cols = bindColumns(cfg, fnName, fn);
    const idx = cols.map((c) => {
      let k = inputs.indexOf(c);
      if (k < 0) k = inputs.push(c) - 1;
      return k;
    });
    const joined = cols.join('_');
    const params: Record<string, number> = { ...fn.params };
    for (const key of Object.keys(args.raw)) {
      if (!(key in fn.params)) args.fail(key, `${fnName} has no parameter "${key}" (it has: ${Object.keys(fn.params).join(', ') || 'none'})`);
      params[key] = args.number(key);
    }
    const hasPeriod = 'timeperiod' in fn.params;
    const perOutput: number[][] = fn.outputs.map(() => []);
    windows.forEach((w, j) => {
      if (w !== null && !hasPeriod && !(w === 1 && cols.length === 1)) {
        cfg.fail('windows', `${fnName} has no time period; leave "windows" out (or null) and set its parameters in "args"`);
      }
      const base = outputBase(cfg, names, joined, fnName, w, j, windows.length);
      const p = { ...params };
      if (w !== null) p.timeperiod = w;
      const identity = w === 1 && cols.length === 1;
      if (!identity && hasPeriod && p.timeperiod! < (fn.minPeriod ?? 2)) {
        cfg.fail('windows', `${fnName} needs a window of at least ${fn.minPeriod ?? 2}, got ${p.timeperiod}`);
      }
      fn.outputs.forEach((outName, o) => {
        const name = fn.outputs.length > 1 ? `${base}_${outName}` : base;
        perOutput[o]!.push(outputs.length);
        outputs.push({ name, inputs: idx, make: identity ? () => new Identity() : () => fn.make(p, o) });
      });
    });
    groups.push(...perOutput);
  });
  return { type: 'kernels', inputs, inputsKey: 'columns', fill, outputs, post: relativePost(groups, readRelativeParams(cfg)) };
}
