/**
 * For every row i, how many rows after i+1 the price first crosses `ref[i]·(1 + pct/100)`
 * within the next `horizon` rows: 0 = row i+1. Upward (pct > 0) means price > level, downward
 * means price < level (strict). NaN when there is no crossing or fewer than `horizon` rows
 * follow. A missing price never crosses.
 *
 * A sliding maximum (minimum) of the next `horizon` prices rules out most rows in O(1); only
 * rows with a crossing are scanned, up to the crossing.
 */
export function firstCrossing(ref: Float64Array, price: Float64Array, pct: number, horizon: number): Float64Array {
  const n = ref.length;
  const out = new Float64Array(n).fill(NaN);
  if (pct === 0) throw new Error('crossing threshold cannot be zero');
  const up = pct > 0;
  const factor = 1 + pct / 100;
  // Deque of indices into price with monotone values: the extreme of price[i+1 .. i+horizon].
  const dq = new Int32Array(n + 1);
  let head = 0;
  let tail = 0;
  const better = (a: number, b: number) => (up ? a >= b : a <= b);
  let added = 0; // prices pushed so far: indices [0, added)
  for (let i = 0; i + horizon < n; i++) {
    while (added <= i + horizon) {
      const v = price[added]!;
      if (v === v) {
        while (tail > head && better(v, price[dq[tail - 1]!]!)) tail--;
        dq[tail++] = added;
      }
      added++;
    }
    while (tail > head && dq[head]! <= i) head++;
    if (tail === head) continue;
    const level = ref[i]! * factor;
    const ext = price[dq[head]!]!;
    if (up ? !(ext > level) : !(ext < level)) continue;
    for (let k = 0; k < horizon; k++) {
      const v = price[i + 1 + k]!;
      if (up ? v > level : v < level) {
        out[i] = k;
        break;
      }
    }
  }
  return out;
}
