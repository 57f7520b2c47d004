import { UserError } from '../../shared/errors.ts';

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * Reads a generator's `config` object and turns every mistake into one sentence naming the
 * key path, e.g. `feature_sets[2].config.windows: expected a whole number ≥ 1, got "5"`.
 */
export class ConfigReader {
  constructor(
    readonly raw: Record<string, unknown>,
    /** Where the object sits in the config, e.g. `feature_sets[2].config`. */
    readonly where: string,
  ) {}

  fail(key: string, message: string): never {
    throw new UserError(`${this.where}${key ? `.${key}` : ''}: ${message}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  get(key: string): unknown {
    return this.raw[key];
  }

  /** A sub-object (e.g. `parameters`), empty when absent. */
  section(key: string): ConfigReader {
    const v = this.raw[key];
    if (v === undefined || v === null) return new ConfigReader({}, `${this.where}.${key}`);
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, `expected an object, got ${describe(v)}`);
    return new ConfigReader(v as Record<string, unknown>, `${this.where}.${key}`);
  }

  string(key: string, fallback?: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') {
      if (fallback !== undefined) return fallback;
      this.fail(key, 'is missing (expected a text value)');
    }
    if (typeof v !== 'string') this.fail(key, `expected a text value, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const v = this.string(key, fallback);
    if (!allowed.includes(v as T)) this.fail(key, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got "${v}"`);
    return v as T;
  }

  number(key: string, fallback?: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(key, 'is missing (expected a number)');
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `expected a number, got ${describe(v)}`);
    return v;
  }

  bool(key: string, fallback = false): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    this.fail(key, `expected true or false, got ${describe(v)}`);
  }

  /** A whole number ≥ min (e.g. a window). */
  int(key: string, min = 1, fallback?: number): number {
    const v = this.raw[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (v === undefined || v === null) this.fail(key, `is missing (expected a whole number ≥ ${min})`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(key, `expected a whole number ≥ ${min}, got ${describe(v)}`);
    return v;
  }

  /** A value or a list of values, as a list ("5" and [5] both accepted where the original does). */
  list(key: string, options: { required?: boolean } = {}): unknown[] {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (options.required) this.fail(key, 'is missing');
      return [];
    }
    return Array.isArray(v) ? v : [v];
  }

  /** Column names: a string, a list of strings, or (when allowed) an object {argument: column}. */
  columns(key = 'columns', options: { required?: boolean } = { required: true }): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
      if (options.required === false) return [];
      this.fail(key, 'is missing (expected a column name or a list of column names)');
    }
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v as object) : [v];
    list.forEach((c, i) => {
      if (typeof c !== 'string' || !c) this.fail(`${key}${Array.isArray(v) ? `[${i}]` : ''}`, `expected a column name, got ${describe(c)}`);
    });
    return list as string[];
  }

  /** Window sizes: a whole number, a list of them, or null/absent (no window). */
  windows(key = 'windows', min = 1): Array<number | null> {
    const v = this.raw[key];
    if (v === undefined || v === null) return [null];
    const list = Array.isArray(v) ? v : [v];
    return list.map((w, i) => {
      if (w === null || w === 0) return null;
      if (typeof w !== 'number' || !Number.isInteger(w) || w < min) {
        this.fail(`${key}${Array.isArray(v) ? `[${i}]` : ''}`, `expected a whole number ≥ ${min}, got ${describe(w)}`);
      }
      return w;
    });
  }

  /** Required windows (the statistic needs a window). */
  requiredWindows(key = 'windows', min = 1): number[] {
    if (!this.has(key)) this.fail(key, 'is missing (expected a window size or a list of them)');
    const ws = this.windows(key, min);
    ws.forEach((w, i) => {
      if (w === null) this.fail(`${key}[${i}]`, `expected a whole number ≥ ${min}, got ${describe(w)}`);
    });
    return ws as number[];
  }

  /** Output names: a string or a list of strings; [] when absent. */
  names(key = 'names'): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') return [];
    const list = Array.isArray(v) ? v : [v];
    list.forEach((n, i) => {
      if (typeof n !== 'string' || !n) this.fail(`${key}${Array.isArray(v) ? `[${i}]` : ''}`, `expected an output column name, got ${describe(n)}`);
    });
    return list as string[];
  }
}
