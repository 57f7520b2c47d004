import { pyFixed } from '../notify/pyFormat.ts';

/** Python's `round(x, digits)` on a float: the exact decimal value rounded half to even. */
export function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  return Number(pyFixed(x, digits));
}

/**
 * Python's `str()` of a number: `int` values without a point, `float` values in the
 * shortest round-trip form with Python's spelling (`1.0`, `1e-05`, `1e+16`, `nan`, `inf`).
 */
export function pyStr(x: number | null, asInt = false): string {
  if (x === null) return 'None';
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (asInt) return String(Math.trunc(x));
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exp] = x.toExponential().split('e') as [string, string];
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = Object.is(x, -0) ? '-0' : String(x);
  return s.includes('.') ? s : `${s}.0`;
}
