/**
 * Number formatting that reproduces Python's format specs used by the original's messages,
 * so the texts match character for character.
 */

/** Python's `f"{x:.{d}f}"`: exact decimal value of the double, ties to even; `nan`/`inf` spelled as Python does. */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let out = abs.toFixed(digits);
  // toFixed breaks exact ties upwards; Python breaks them to even. A tie at `digits` places has
  // a short exact expansion, so 100 digits (toFixed's maximum, exact) always show it.
  const exact = abs.toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(rest)) {
    const truncated = exact.slice(0, digits ? dot + 1 + digits : dot);
    const lastDigit = Number(truncated[truncated.length - 1]);
    if (lastDigit % 2 === 0) out = truncated;
  }
  return negative ? `-${out}` : out;
}

/** Python's `f"{x:+.{d}f}"`: always signed. */
export function pySignedFixed(x: number, digits: number): string {
  const s = pyFixed(x, digits);
  return s.startsWith('-') || s === 'nan' ? s : `+${s}`;
}

/** Python's `f"{int(x):,}"`: truncated towards zero, comma thousands separators. */
export function pyIntThousands(x: number): string {
  const n = Math.trunc(x);
  const digits = Math.abs(n).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}
