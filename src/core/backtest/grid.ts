import { UserError } from '../../shared/errors.ts';

/** The grid keys of the threshold rules, in the order sklearn's ParameterGrid visits them. */
export const GRID_KEYS = ['buy_signal_threshold', 'buy_signal_threshold_2', 'sell_signal_threshold', 'sell_signal_threshold_2'] as const;
export type GridKey = (typeof GRID_KEYS)[number];

/** One combination: a threshold per key, null where the original writes None. */
export type GridParams = Partial<Record<GridKey, number | null>>;

export interface GridAxis {
  key: GridKey;
  values: Array<number | null>;
  /** Whether the values are Python floats (ranges always are) — it decides how they are printed. */
  float: boolean;
}

export interface ParsedGrid {
  /** Sorted by key. */
  axes: GridAxis[];
  buySellEqual: boolean;
}

const MAX_COMBINATIONS = 5_000_000;

/**
 * Reads simulate_model.grid: each value is a list of numbers or a range object
 * {start, stop, step} with numpy's arange semantics (start + i·step while below stop).
 * Python expressions of the original's files are never evaluated: they get an error that
 * shows the equivalent range object when there is one.
 */
export function parseGrid(grid: Record<string, unknown>, buySellEqual: boolean, label = 'simulate_model.grid'): ParsedGrid {
  const axes: GridAxis[] = [];
  for (const [key, raw] of Object.entries(grid)) {
    if (!(GRID_KEYS as readonly string[]).includes(key)) {
      throw new UserError(`${label}.${key}: not a threshold of threshold_rule/threshold_rule2 (known: ${GRID_KEYS.join(', ')})`);
    }
    axes.push({ key: key as GridKey, ...axisValues(raw, `${label}.${key}`) });
  }
  if (!axes.some((a) => a.key === 'buy_signal_threshold')) {
    throw new UserError(`${label}: needs buy_signal_threshold (a list of thresholds or {"start", "stop", "step"})`);
  }
  if (buySellEqual) {
    // As the original: the sell thresholds become None in the grid and −buy in each combination.
    const kept = axes.filter((a) => !a.key.startsWith('sell_'));
    kept.push({ key: 'sell_signal_threshold', values: [null], float: true }, { key: 'sell_signal_threshold_2', values: [null], float: true });
    axes.splice(0, axes.length, ...kept);
  }
  axes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const total = axes.reduce((p, a) => p * a.values.length, 1);
  if (total > MAX_COMBINATIONS) {
    throw new UserError(`${label}: ${total.toLocaleString('en')} combinations is more than ${MAX_COMBINATIONS.toLocaleString('en')}; use coarser ranges`);
  }
  return { axes, buySellEqual };
}

function axisValues(raw: unknown, where: string): { values: number[]; float: boolean } {
  if (typeof raw === 'number' && Number.isFinite(raw)) return { values: [raw], float: !Number.isInteger(raw) };
  if (Array.isArray(raw)) {
    if (!raw.length) throw new UserError(`${where}: the list is empty`);
    raw.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${where}[${i}]: expected a number, got ${JSON.stringify(v)}`);
    });
    return { values: raw as number[], float: !(raw as number[]).every(Number.isInteger) };
  }
  if (typeof raw === 'string') {
    const range = arangeToRange(raw);
    const hint = range ? JSON.stringify(range) : '{"start": 0.0, "stop": 0.5, "step": 0.1}';
    throw new UserError(`${where}: "${raw}" is Python code, which is never evaluated; write a list of numbers or a range object such as ${hint}`);
  }
  if (raw !== null && typeof raw === 'object') {
    const r = raw as Record<string, unknown>;
    for (const k of ['start', 'stop', 'step']) {
      if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) throw new UserError(`${where}.${k}: expected a number, got ${JSON.stringify(r[k]) ?? 'nothing'}`);
    }
    const start = r.start as number;
    const stop = r.stop as number;
    const step = r.step as number;
    if (step === 0) throw new UserError(`${where}.step: must not be 0`);
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count === 0) throw new UserError(`${where}: the range from ${start} to ${stop} by ${step} is empty (stop is exclusive)`);
    if (count > MAX_COMBINATIONS) throw new UserError(`${where}: the range has ${count} values; use a larger step`);
    return { values: Array.from({ length: count }, (_, i) => start + i * step), float: true };
  }
  throw new UserError(`${where}: expected a list of numbers or {"start", "stop", "step"}, got ${JSON.stringify(raw) ?? 'nothing'}`);
}

/** `np.arange(a, b, c).tolist()` (or `np.arange(a, b, c)`) → {start, stop, step}, else null. */
function arangeToRange(text: string): { start: number; stop: number; step: number } | null {
  const num = '\\s*(-?\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?)\\s*';
  const m = new RegExp(`^\\s*(?:np|numpy)\\.arange\\(${num},${num}(?:,${num})?\\)(?:\\.tolist\\(\\))?\\s*$`).exec(text);
  if (!m) return null;
  return { start: Number(m[1]), stop: Number(m[2]), step: m[3] === undefined ? 1 : Number(m[3]) };
}

/** Number of combinations the grid makes. */
export function gridSize(grid: ParsedGrid): number {
  return grid.axes.reduce((p, a) => p * a.values.length, 1);
}

/**
 * The combinations in sklearn ParameterGrid order (keys sorted, the last key fastest), with
 * the sell thresholds derived from the buy ones when buy_sell_equal is set.
 */
export function expandGrid(grid: ParsedGrid): GridParams[] {
  const out: GridParams[] = [];
  const { axes } = grid;
  const idx = new Array<number>(axes.length).fill(0);
  const total = gridSize(grid);
  for (let c = 0; c < total; c++) {
    const params: GridParams = {};
    axes.forEach((a, j) => (params[a.key] = a.values[idx[j]!]!));
    if (grid.buySellEqual) {
      params.sell_signal_threshold = -(params.buy_signal_threshold as number);
      const buy2 = params.buy_signal_threshold_2;
      if (buy2 !== undefined && buy2 !== null) params.sell_signal_threshold_2 = -buy2;
    }
    out.push(params);
    for (let j = axes.length - 1; j >= 0; j--) {
      if (++idx[j]! < axes[j]!.values.length) break;
      idx[j] = 0;
    }
  }
  return out;
}
