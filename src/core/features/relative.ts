import type { ConfigReader } from '../generators/configReader.ts';

/**
 * The original's post-processing of one function's outputs across its windows
 * (`parameters: {rel_base, rel_func, percentage, log}`): each output is made relative to
 * another one of the group (next, last, previous or first), optionally ×100, then optionally
 * its natural log. Decision: rel_base "first" uses the real first output (the original used
 * the last one by mistake).
 */
export interface RelativeParams {
  relBase: '' | 'next' | 'last' | 'prev' | 'first';
  relFunc: '' | 'rel' | 'diff' | 'rel_diff';
  percentage: boolean;
  log: boolean;
}

export function readRelativeParams(cfg: ConfigReader): RelativeParams {
  const p = cfg.section('parameters');
  const relBase = p.has('rel_base') && p.get('rel_base') !== false ? p.oneOf('rel_base', ['next', 'last', 'prev', 'first'] as const) : '';
  const relFunc = relBase ? p.oneOf('rel_func', ['rel', 'diff', 'rel_diff'] as const) : '';
  return { relBase, relFunc, percentage: p.bool('percentage'), log: p.bool('log') };
}

export function isIdentity(p: RelativeParams): boolean {
  return !p.relBase && !p.percentage && !p.log;
}

/**
 * A row transform over the raw outputs: `groups` lists, per function, the output positions
 * in window order. Returns undefined when nothing is to be done.
 */
export function relativePost(groups: number[][], p: RelativeParams): ((row: Float64Array) => void) | undefined {
  if (isIdentity(p)) return undefined;
  const size = groups.reduce((n, g) => n + g.length, 0);
  const raw = new Float64Array(size);
  return (row) => {
    raw.set(row.subarray(0, size));
    for (const g of groups) {
      const n = g.length;
      for (let i = 0; i < n; i++) {
        const v = raw[g[i]!]!;
        let out = v;
        let base = NaN;
        if (p.relBase === 'next' && i < n - 1) base = raw[g[i + 1]!]!;
        else if (p.relBase === 'last' && i < n - 1) base = raw[g[n - 1]!]!;
        else if (p.relBase === 'prev' && i > 0) base = raw[g[i - 1]!]!;
        else if (p.relBase === 'first' && i > 0) base = raw[g[0]!]!;
        const hasBase = (p.relBase === 'next' || p.relBase === 'last') ? i < n - 1 : p.relBase ? i > 0 : false;
        if (hasBase) out = p.relFunc === 'rel' ? v / base : p.relFunc === 'diff' ? v - base : (v - base) / base;
        if (p.percentage) out *= 100;
        if (p.log) out = Math.log(out);
        row[g[i]!] = out;
      }
    }
  };
}
