/** One extremum: indices of its level and tolerance crossings on both sides. */
interface Extremum {
  leftLevel: number;
  leftTol: number;
  at: number;
  rightTol: number;
  rightLevel: number;
}

/**
 * All tops (or bottoms) of a series that stand out by `level` (a fraction of the extreme) on
 * both sides, found by repeatedly taking the extreme of an interval and splitting the interval
 * at its level crossings (the original's find_all_extremums; intervals include both ends).
 */
export function findExtremums(x: Float64Array, isMax: boolean, level: number, tolerance: number): Extremum[] {
  const found: Extremum[] = [];
  const stack: Array<[number, number]> = [[0, x.length - 1]];
  const beyond = (v: number, bound: number) => (isMax ? v < bound : v > bound);
  while (stack.length) {
    const [s, e] = stack.pop()!;
    let at = -1;
    for (let i = s; i <= e; i++) {
      const v = x[i]!;
      if (v !== v) continue;
      if (at < 0 || (isMax ? v > x[at]! : v < x[at]!)) at = i;
    }
    if (at < 0) continue;
    const ext = x[at]!;
    const levelVal = isMax ? ext - level * Math.abs(ext) : ext + level * Math.abs(ext);
    const tolVal = isMax ? ext - tolerance * Math.abs(ext) : ext + tolerance * Math.abs(ext);
    const left = (bound: number) => {
      for (let i = at; i >= s; i--) if (beyond(x[i]!, bound)) return i;
      return -1;
    };
    const right = (bound: number) => {
      for (let i = at; i <= e; i++) if (beyond(x[i]!, bound)) return i;
      return -1;
    };
    const ll = left(levelVal);
    const rl = right(levelVal);
    if (ll >= 0 && rl >= 0) found.push({ leftLevel: ll, leftTol: left(tolVal), at, rightTol: right(tolVal), rightLevel: rl });
    if (ll >= 0 && s < ll) stack.push([s, ll]);
    if (rl >= 0 && rl < e) stack.push([rl, e]);
  }
  return found.sort((a, b) => a.at - b.at);
}

/**
 * topbot2 label: True on the rows strictly inside the tolerance interval of every top
 * (function "top") or bottom ("bot") that stands out by `level`; `tolerance` is a fraction
 * of the level.
 */
export function topBot2Label(x: Float64Array, fn: 'top' | 'bot', level: number, tolerance: number): Float64Array {
  const out = new Float64Array(x.length);
  const lv = Math.abs(level);
  for (const ex of findExtremums(x, fn === 'top', lv, lv * tolerance)) {
    for (let i = ex.leftTol + 1; i <= ex.rightTol - 1; i++) out[i] = 1;
  }
  return out;
}
