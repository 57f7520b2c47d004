import type { GeneratorDef } from '../../src/config/schema.ts';
import { TALIB_FUNCTIONS } from '../../src/core/features/talib/index.ts';
import { ITBSTATS_FUNCTIONS } from '../../src/core/generators/itbstatsGenerator.ts';

const def = (generator: string, config: Record<string, unknown>, extra: Partial<GeneratorDef> = {}): GeneratorDef => ({ generator, config, ...extra });

/** Every itbstats function over windows 5 and 60 (and 3 for the short-window rules). */
export const itbstatsAll: GeneratorDef[] = [
  def('itbstats', { columns: 'close', functions: Object.keys(ITBSTATS_FUNCTIONS), windows: [5, 60] }),
  // Window 3 (min_periods 1); pandas' kurtosis needs 4 values, so it is left out here.
  def('itbstats', { columns: 'close', functions: Object.keys(ITBSTATS_FUNCTIONS).filter((f) => f !== 'pandas_kurtosis'), windows: [3] }),
  def('itbstats', { columns: ['volume'], functions: ['scipy_skew', 'scipy_kurtosis'], windows: [20], parameters: { bias: true } }),
];

/** Every TA-Lib function we offer, with windows where it takes a time period. */
export const talibAll: GeneratorDef[] = Object.entries(TALIB_FUNCTIONS).map(([name, fn]) => {
  const columns = fn.inputs.length === 1 ? 'close' : fn.inputs[0] === 'real0' ? ['close', 'open'] : fn.inputs[0] === 'real' ? ['close', 'volume'] : undefined;
  const windows = 'timeperiod' in fn.params ? [5, 20] : null;
  return def('talib', { functions: [name], windows, ...(columns ? { columns } : {}) });
});

/** The original's post-processing parameters and prefixes. */
export const relativeSets: GeneratorDef[] = [
  def('talib', { columns: 'close', functions: ['SMA', 'EMA'], windows: [5, 10, 30], parameters: { rel_base: 'next', rel_func: 'rel_diff', percentage: true } }),
  def('talib', { columns: 'close', functions: ['WMA'], windows: [5, 10, 30], parameters: { rel_base: 'first', rel_func: 'rel', log: true } }, { feature_prefix: 'f' }),
  def('itbstats', { columns: 'close', functions: ['mean', 'std'], windows: [5, 15], parameters: { rel_base: 'prev', rel_func: 'diff' } }),
];

export const legacySets: GeneratorDef[] = [
  def('itblib', { base_window: 30, windows: [3, 10] }),
  def('tsfresh', { columns: 'close', windows: [8, 30] }),
];
