/**
 * Example of a custom feature generator: the TypeScript counterpart of the original's
 * common/my_feature_example.py, found by the sample config's generator name
 * "common.my_feature_example:my_feature_example" (module path → examples/common/my_feature_example.ts).
 *
 * Contract: (table, this generator's config, the whole config) → names of the columns added.
 * Compute row t from rows ≤ t only: the online service runs this on a short tail of rows.
 */
import type { Config } from '../../src/config/schema.ts';
import { UserError } from '../../src/shared/errors.ts';
import type { Frame } from '../../src/core/frame.ts';

export function my_feature_example(frame: Frame, config: Record<string, unknown>, _global: Config): string[] {
  const column = config.columns;
  if (typeof column !== 'string' || !column) throw new UserError(`my_feature_example: "columns" must be one column name, got ${JSON.stringify(column)}`);
  if (!frame.has(column)) throw new UserError(`my_feature_example: column "${column}" is not in the data`);
  const fn = config.function;
  if (fn !== 'add' && fn !== 'mul') throw new UserError(`my_feature_example: "function" must be "add" or "mul", got ${JSON.stringify(fn)}`);
  const parameter = config.parameter;
  if (typeof parameter !== 'number') throw new UserError(`my_feature_example: "parameter" must be a number, got ${JSON.stringify(parameter)}`);
  const name = typeof config.names === 'string' && config.names ? config.names : `${column}_${fn}`;

  const x = frame.get(column);
  const out = new Float64Array(x.length);
  if (fn === 'add') for (let i = 0; i < x.length; i++) out[i] = x[i]! + parameter;
  else for (let i = 0; i < x.length; i++) out[i] = x[i]! * parameter;
  frame.set(name, out);
  return [name];
}
