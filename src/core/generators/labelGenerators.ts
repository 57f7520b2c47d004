import type { Frame } from '../frame.ts';
import { HIGHLOW_LABELS, futureExtremePct, thresholdLabel } from '../labels/highlow.ts';
import { highLow2Label } from '../labels/highlow2.ts';
import { topBot2Label } from '../labels/topbot2.ts';
import type { ConfigReader } from './configReader.ts';
import type { FrameProgram } from './program.ts';

function need(cfg: ConfigReader, frame: Frame, col: string, key: string): Float64Array {
  if (!frame.has(col)) cfg.fail(key, `column "${col}" is not in the data (columns: ${frame.columnNames().join(', ')})`);
  return frame.get(col);
}

/** highlow2: one boolean label per threshold (see highLow2Label). */
export function compileHighLow2(cfg: ConfigReader): FrameProgram {
  const cols = cfg.columns();
  if (cols.length !== 3) cfg.fail('columns', 'expected three columns: [reference, up, down], e.g. ["close", "high", "low"]');
  const fn = cfg.oneOf('function', ['high', 'low'] as const);
  const thresholds = cfg.list('thresholds', { required: true }).map((t, i) => {
    if (typeof t !== 'number' || t === 0) cfg.fail(`thresholds[${i}]`, `expected a non-zero percentage, got ${JSON.stringify(t)}`);
    return t;
  });
  const tolerance = cfg.number('tolerance');
  const horizon = cfg.int('horizon');
  const names = cfg.names();
  if (names.length !== thresholds.length) cfg.fail('names', `expected one name per threshold (${thresholds.length}), got ${names.length}`);
  return {
    type: 'frame',
    streamable: false,
    run(frame) {
      const [ref, up, down] = cols.map((c) => need(cfg, frame, c, 'columns')) as [Float64Array, Float64Array, Float64Array];
      thresholds.forEach((t, i) => frame.set(names[i]!, highLow2Label(ref, up, down, { fn, threshold: t, tolerance, horizon }), 'bool'));
      return names;
    },
  };
}

/** highlow (legacy): the fixed high_xx / low_xx labels over `horizon` future rows. */
export function compileHighLow(cfg: ConfigReader): FrameProgram {
  const horizon = cfg.int('horizon');
  return {
    type: 'frame',
    streamable: false,
    run(frame) {
      const close = need(cfg, frame, 'close', '');
      const highMax = futureExtremePct(close, need(cfg, frame, 'high', ''), horizon, true);
      const lowMin = futureExtremePct(close, need(cfg, frame, 'low', ''), horizon, false);
      for (const l of HIGHLOW_LABELS) frame.set(l.name, thresholdLabel(l.high ? highMax : lowMin, l.threshold), 'bool');
      return HIGHLOW_LABELS.map((l) => l.name);
    },
  };
}

/** topbot2: one boolean label per tolerance (see topBot2Label). */
export function compileTopBot2(cfg: ConfigReader): FrameProgram {
  const v = cfg.get('columns');
  if (typeof v !== 'string' || !v) cfg.fail('columns', `expected one column name (a string), got ${JSON.stringify(v) ?? 'nothing'}`);
  const fn = cfg.oneOf('function', ['top', 'bot'] as const);
  const level = cfg.number('level');
  const tolerances = cfg.list('tolerances', { required: true }).map((t, i) => {
    if (typeof t !== 'number') cfg.fail(`tolerances[${i}]`, `expected a number, got ${JSON.stringify(t)}`);
    return t;
  });
  const names = cfg.names();
  if (names.length !== tolerances.length) cfg.fail('names', `expected one name per tolerance (${tolerances.length}), got ${names.length}`);
  return {
    type: 'frame',
    streamable: false,
    run(frame) {
      const x = need(cfg, frame, v, 'columns');
      tolerances.forEach((t, i) => frame.set(names[i]!, topBot2Label(x, fn, level, t), 'bool'));
      return names;
    },
  };
}
