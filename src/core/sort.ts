/**
 * Below this many values the built-in sort is faster: the radix sort's passes over 65,536 digit
 * counters cost more than a small array's sort, and a process that sorts once runs them before
 * V8 has optimised them (20k values: ~20 ms against the built-in's 2 ms).
 */
const RADIX_FROM = 1 << 17;

/**
 * Sorts doubles ascending in place, NaN last, as Float64Array.prototype.sort does (-0 before 0):
 * from RADIX_FROM values on, an LSD radix sort on the bits, four passes of 16 bits (a pass whose
 * digit all values share is skipped), several times faster than the built-in sort on a year of
 * scores (the metrics, the calibration of a model's training scores).
 */
export function sortNumbers(a: Float64Array): void {
  const n = a.length;
  if (n < RADIX_FROM) {
    a.sort();
    return;
  }
  // keys that order as the numbers do: positive → sign bit set, negative → all bits flipped
  const bits = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const hiAt = little ? 1 : 0;
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let nan = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] !== a[i]) {
      nan++;
      continue;
    }
    const h = bits[2 * i + hiAt]!;
    const l = bits[2 * i + 1 - hiAt]!;
    if (h & 0x80000000) {
      hi[m] = ~h;
      lo[m] = ~l;
    } else {
      hi[m] = h | 0x80000000;
      lo[m] = l;
    }
    m++;
  }
  let hi2 = new Uint32Array(m);
  let lo2 = new Uint32Array(m);
  const count = new Int32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const key = pass < 2 ? lo : hi;
    const shift = pass % 2 ? 16 : 0;
    count.fill(0);
    for (let i = 0; i < m; i++) count[(key[i]! >>> shift) & 0xffff]!++;
    if (count[(key[0]! >>> shift) & 0xffff] === m) continue; // one digit for all: already in order
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const at = count[(key[i]! >>> shift) & 0xffff]!++;
      hi2[at] = hi[i]!;
      lo2[at] = lo[i]!;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  for (let i = 0; i < m; i++) {
    const h = hi[i]!;
    if (h & 0x80000000) {
      bits[2 * i + hiAt] = h & 0x7fffffff;
      bits[2 * i + 1 - hiAt] = lo[i]!;
    } else {
      bits[2 * i + hiAt] = ~h;
      bits[2 * i + 1 - hiAt] = ~lo[i]!;
    }
  }
  a.fill(NaN, m, m + nan);
}
