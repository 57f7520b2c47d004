import fs from 'node:fs';
import { appendText } from './atomic.ts';
import type { GridAxis } from '../core/backtest/grid.ts';
import { isIntKey, ORIGINAL_KEYS, originalPerformance } from '../core/backtest/originalKeys.ts';
import { pyStr } from '../core/backtest/pyNumber.ts';
import type { RankedModel } from '../core/backtest/ranking.ts';

/**
 * Appends the stored models to `<signal_models_file_name>.txt` in the original's layout:
 * a header of the parameter and performance keys when the file is new, one comma-joined
 * line per model (values as Python's str() prints them), then a blank line.
 */
export function appendSignalModels(file: string, axes: GridAxis[], models: RankedModel[]): void {
  const lines: string[] = [];
  if (!fs.existsSync(file)) lines.push([...axes.map((a) => a.key), ...ORIGINAL_KEYS].join(','));
  for (const m of models) lines.push(signalModelLine(axes, m));
  appendText(file, `${lines.join('\n')}\n\n`);
}

export function signalModelLine(axes: GridAxis[], model: RankedModel): string {
  const perf = originalPerformance(model.metrics);
  const values = axes.map((a) => pyStr(model.params[a.key] ?? null, !a.float));
  for (const k of ORIGINAL_KEYS) values.push(pyStr(perf[k], isIntKey(k, model.metrics)));
  return values.join(',');
}
