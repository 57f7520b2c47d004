/**
 * Numbers to and from decimal text, straight into and out of bytes, without a string per number,
 * and bit for bit what `String(x)` writes and `Number(text)` reads. Values these fast paths cannot
 * settle with certainty (a decision within rounding error of a boundary, a range they do not
 * cover) are left to String()/Number(), so the results never differ from theirs.
 *
 * Both use exact double-double arithmetic (Dekker's product with Veltkamp's split, no FMA needed):
 * with 10^k exact for k ≤ 22, a·10^k and q·10^k are known exactly as the sum of two doubles.
 */

/** 10^k for k ≤ 22, each exact in a double (5^22 < 2^53), and their Veltkamp halves. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SPLIT = 134217729; // 2^27 + 1
const POW10_HI = POW10.map((p) => {
  const c = SPLIT * p;
  return c - (c - p);
});
const POW10_LO = POW10.map((p, i) => p - POW10_HI[i]!);

/** The bits of one double: its high and low 32-bit words. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** 10^t and (about) 10^-t for the candidates' spacing, t ≤ 3. */
const STEP = [1, 10, 100, 1000];
const INV_STEP = [1, 0.1, 0.01, 0.001];

/** 2^k for -1100 < k < 0 (by halving, exact), for half-ulps. */
const POW2_NEG = (() => {
  const t = new Float64Array(1100);
  t[0] = 1;
  for (let k = 1; k < 1100; k++) t[k] = t[k - 1]! / 2;
  return t;
})();

/** The low part of the exact product a·b (the high part being fl(a·b)), a and b split into halves. */
function productError(p: number, ah: number, al: number, bh: number, bl: number): number {
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * How near a decision may come to its boundary and still be taken. The quantities compared are
 * below 10^4 and computed with one or two roundings (errors below 10^-12), so a decision farther
 * than this from its boundary is the exact one; nearer ones are left to String()/Number().
 */
const EPS = 1e-9;

/**
 * Writes the shortest decimal that reads back as v, exactly as String(v) writes it, into buf at pos
 * for 1e-6 ≤ |v| < 1e15 (String's fixed notation); returns the position after it, or -1 when v is
 * outside that range or a decision is too close to call (the caller then writes String(v)).
 * The caller leaves room for 24 bytes.
 */
export function writeShortest(buf: Uint8Array, pos: number, v: number): number {
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e15)) return -1;
  f64[0] = a;
  const hiWord = u32[HI]!;
  const loWord = u32[LO]!;
  const biased = hiWord >>> 20;
  const fraction = hiWord & 0xfffff;
  if (fraction === 0 && loWord === 0) return -1; // a power of two: its lower neighbour is closer, not handled here
  // a·10^s in [10^16, 10^17): its 17 leading digits are the integer part
  // a ≥ 2^e2: log10(a) is at least e2·log10(2), and below it by less than one: s is exact or one too large
  let s = 16 - Math.floor((biased - 1023) * 0.30102999566398114);
  if (s > 23 || s < 2) return -1;
  let p = POW10[s]!;
  let hi = a * p;
  if (!(hi < 1e17)) {
    s--;
    p = POW10[s]!;
    hi = a * p;
  }
  if (!(hi >= 1e16 && hi < 1e17) || s > 22) return -1;
  const c = SPLIT * a;
  const ah = c - (c - a);
  const lo = productError(hi, ah, a - ah, POW10_HI[s]!, POW10_LO[s]!);
  // a·10^s = top·10^9 + low + lo exactly, top < 10^8 and low whole (top·10^9 is exact: top·5^9 < 2^53)
  let top = Math.floor(hi * 1e-9); // one off at most, corrected below
  let low = hi - top * 1e9;
  if (low < 0) {
    top--;
    low += 1e9;
  } else if (low >= 1e9) {
    top++;
    low -= 1e9;
  }
  // half the gap to the neighbouring doubles, scaled by 10^s (exact: a power of two times 10^s);
  // the decimals in (a·10^s - half, a·10^s + half) read back as v, those outside do not
  const half = POW2_NEG[1076 - biased]! * p;
  // y: a·10^s less top·10^9 and the thousands of low (error below 10^-13); -8 < y < 1008, half < 12
  const whole = low | 0; // below 10^9
  const thousands = ((whole / 1000) | 0) * 1000;
  const y = whole - thousands + lo;
  // the whole numbers in (y - half, y + half), plus 3000 to keep them positive: [first, last];
  // a bound within EPS of a whole number is too near to tell whether that number is inside
  const upper = y + half + 3000;
  const lower = y - half + 3000;
  const floorUpper = Math.floor(upper);
  const floorLower = Math.floor(lower);
  const fu = upper - floorUpper;
  const fl = lower - floorLower;
  if (fu < EPS || fu > 1 - EPS || fl < EPS || fl > 1 - EPS) return -1;
  const last = floorUpper | 0;
  const first = (floorLower + 1) | 0;
  // the fewest digits: the largest power of ten with a multiple inside (the nearest to y of them)
  if (((last / 1000) | 0) * 1000 >= first) return -1; // 14 digits or fewer: String() finds them
  const hundred = ((last / 100) | 0) * 100;
  if (hundred >= first) return putDigits(buf, pos, v < 0, top, thousands + hundred - 3000, 2, s); // the only one: the interval is narrower than 100
  let t = 0;
  let nearest: number;
  if (((last / 10) | 0) * 10 >= first) {
    t = 1;
    nearest = Math.floor(y * 0.1 + 0.5) * 10;
  } else nearest = Math.floor(y + 0.5);
  // the interval is symmetric about y, so the nearest multiple is inside; too near halfway between two: String() decides
  const off = y - nearest;
  const gap = (off < 0 ? -off : off) - POW10[t]! * 0.5;
  if (gap > -EPS) return -1;
  return putDigits(buf, pos, v < 0, top, thousands + nearest, t, s);
}

/** "00" … "99" as ASCII pairs. */
const PAIRS = (() => {
  const t = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    t[2 * i] = 48 + ((i / 10) | 0);
    t[2 * i + 1] = 48 + (i % 10);
  }
  return t;
})();

/** The 17 digits of top·10^9 + low (10^7 ≤ top < 10^8, 0 ≤ low < 10^9, both whole) as ASCII at buf[at…at+17). */
function put17(buf: Uint8Array, at: number, top: number, low: number): void {
  let x = low;
  for (let k = at + 15; k > at + 8; k -= 2) {
    const q = (x / 100) | 0;
    const r = (x - q * 100) << 1;
    buf[k] = PAIRS[r]!;
    buf[k + 1] = PAIRS[r + 1]!;
    x = q;
  }
  buf[at + 8] = 48 + x;
  x = top;
  for (let k = at + 6; k >= at; k -= 2) {
    const q = (x / 100) | 0;
    const r = (x - q * 100) << 1;
    buf[k] = PAIRS[r]!;
    buf[k + 1] = PAIRS[r + 1]!;
    x = q;
  }
}

/**
 * Writes top·10^9 + low (17 digits, as a·10^s; exactly its last t are zeros) times 10^-s in
 * String's fixed notation: the digits go straight to their place, then the whole part moves
 * left by one for the point. low may be just outside [0, 10^9) after rounding up or down.
 */
function putDigits(buf: Uint8Array, pos: number, negative: boolean, top: number, low: number, t: number, s: number): number {
  if (low >= 1e9) {
    top++;
    low -= 1e9;
  } else if (low < 0) {
    top--;
    low += 1e9;
  }
  if (top >= 1e8 || top < 1e7) return -1; // 18 or 16 digits after the rounding: not handled here
  if (negative) buf[pos++] = 45;
  // digit k (0…16) counts 10^(16 - k - s): the units digit has index 16 - s
  const units = 16 - s;
  const last = 16 - t;
  if (units < 0) {
    // 0.000ddd
    buf[pos++] = 48;
    buf[pos++] = 46;
    for (let k = units + 1; k < 0; k++) buf[pos++] = 48;
    put17(buf, pos, top | 0, low | 0);
    return pos + last + 1;
  }
  put17(buf, pos + 1, top | 0, low | 0);
  for (let k = 0; k <= units; k++) buf[pos + k] = buf[pos + k + 1]!;
  if (last <= units) return pos + units + 1; // a whole number
  buf[pos + units + 1] = 46;
  return pos + last + 2;
}

const TWO50 = 2 ** 50;
const TWO40 = 2 ** 40;

/** x (a whole number, 0 ≤ x < 10^width ≤ 10^9) as exactly `width` digits, with leading zeros. */
function putWidth(buf: Uint8Array, pos: number, x: number, width: number): number {
  let p = pos + width;
  let r = x | 0;
  while (p - pos >= 2) {
    const q = (r / 100) | 0;
    const pair = (r - q * 100) << 1;
    buf[--p] = PAIRS[pair + 1]!;
    buf[--p] = PAIRS[pair]!;
    r = q;
  }
  if (p > pos) buf[pos] = 48 + r;
  return pos + width;
}

/** A whole number 0 ≤ x < 2^53 in decimal. */
export function putWhole(buf: Uint8Array, pos: number, x: number): number {
  if (x < 1e9) return putWidth(buf, pos, x, x < 1e4 ? (x < 100 ? (x < 10 ? 1 : 2) : x < 1000 ? 3 : 4) : x < 1e6 ? (x < 1e5 ? 5 : 6) : x < 1e7 ? 7 : x < 1e8 ? 8 : 9);
  // x = top·10^9 + low; top·10^9 is exact (top·5^9 < 2^53), and so is the difference
  let top = Math.floor(x / 1e9);
  let low = x - top * 1e9;
  if (low < 0) {
    top--;
    low += 1e9;
  }
  return putWidth(buf, putWhole(buf, pos, top), low, 9);
}

/** m·10^-k (m whole, below 2^50; k ≤ 9) with exactly k decimals, after a minus sign when `negative`. */
function putDecimal(buf: Uint8Array, pos: number, negative: boolean, m: number, k: number): number {
  if (negative) buf[pos++] = 45;
  const p = POW10[k]!;
  const whole = Math.floor(m / p);
  pos = putWhole(buf, pos, whole);
  if (!k) return pos;
  buf[pos++] = 46;
  return putWidth(buf, pos, m - whole * p, k);
}

/** ASCII text (a number's) at pos. */
function putAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let k = 0; k < text.length; k++) buf[pos++] = text.charCodeAt(k);
  return pos;
}

/** Room a number written here may take (String() writes at most 25 characters). */
export const NUMBER_ROOM = 32;

/**
 * Writes String(v) for a number that is not NaN, returning the position after it. Values with up
 * to 9 decimals come from their digits: with m = round(|v|·10^9) below 2^50, m/10^9 = |v| means
 * |v| has a decimal of at most 9 places, and no other such decimal lies as close (their spacing
 * exceeds the double's), so m without its trailing zeros is String()'s own digit string; larger
 * values look for the fewest decimals the same way. Others go through writeShortest, and what it
 * leaves through String(). `-0` stays `-0`.
 */
export function putShortest(buf: Uint8Array, pos: number, v: number): number {
  if (v === 0) {
    if (1 / v < 0) buf[pos++] = 45;
    buf[pos++] = 48;
    return pos;
  }
  const a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < TWO50 / 1e9) {
    const m = Math.round(a * 1e9);
    if (m / 1e9 === a) {
      const whole = Math.floor(a);
      let frac = (m - whole * 1e9) | 0; // below 10^9
      if (v < 0) buf[pos++] = 45;
      pos = putWhole(buf, pos, whole);
      if (!frac) return pos;
      // without its trailing zeros
      let width = 9;
      let q = (frac / 10000) | 0;
      if (q * 10000 === frac) {
        frac = q;
        width -= 4;
      }
      q = (frac / 100) | 0;
      if (q * 100 === frac) {
        frac = q;
        width -= 2;
      }
      q = (frac / 10) | 0;
      if (q * 10 === frac) {
        frac = q;
        width--;
      }
      q = (frac / 10) | 0;
      if (q * 10 === frac) {
        frac = q;
        width--;
      }
      buf[pos++] = 46;
      return putWidth(buf, pos, frac, width);
    }
  } else if (a >= TWO50 / 1e9 && a < 1e15) {
    for (let k = 0; k <= 9; k++) {
      const p = POW10[k]!;
      const m = Math.round(a * p);
      if (m >= TWO50) break;
      if (m / p === a) return putDecimal(buf, pos, v < 0, m, k);
    }
  }
  const end = writeShortest(buf, pos, v);
  return end >= 0 ? end : putAscii(buf, pos, String(v));
}

/**
 * Writes v.toFixed(decimals) (decimals ≤ 9) for a number that is not NaN, except that whole
 * numbers have no fraction. Below 2^40 the product |v|·10^d is within 2^-13 of the exact one,
 * so clear of a tie its rounding is toFixed's; near a tie, toFixed itself decides.
 */
export function putFixed(buf: Uint8Array, pos: number, v: number, decimals: number): number {
  const a = v < 0 ? -v : v;
  if (Number.isInteger(v) && a < 1e15) {
    if (v < 0) buf[pos++] = 45;
    return putWhole(buf, pos, a);
  }
  const x = a * POW10[decimals]!;
  if (x < TWO40 && decimals <= 9) {
    const floor = Math.floor(x);
    const half = x - floor - 0.5;
    if (half > 1e-3 || half < -1e-3) return putDecimal(buf, pos, v < 0, half > 0 ? floor + 1 : floor, decimals);
  }
  return putAscii(buf, pos, v.toFixed(decimals));
}

/** Where scanNumber stopped; -1 when the text needs Number() (or is not a number). */
export let scanEnd = -1;
/** Whether the number scanNumber read was written with a point or an exponent (a float column's text). */
export let scanFloatText = false;

/**
 * Reads a decimal number (`-`/`+`, digits, `.` digits, `e` exponent) in buf from s, stopping at
 * the first other byte, whose position goes to scanEnd; an empty text (s = end or a comma at s)
 * is NaN. The value is Number()'s for the same text, bit for bit: exact arithmetic for up to 18
 * significant digits and a power of ten up to 10^22 (Clinger's fast path below 2^53, a
 * double-double remainder check above it); other texts, and results too near a rounding
 * boundary to settle, set scanEnd = -1 for the caller's general path.
 */
export function scanNumber(buf: Uint8Array, s: number, end: number): number {
  let i = s;
  if (i === end || buf[i] === 44) {
    scanEnd = i;
    return NaN;
  }
  let c = buf[i]!;
  const neg = c === 45;
  if (neg || c === 43) i++;
  // the digits as one whole number m, exact while below 2^53 (m only grows, so a final m below
  // 2^53 was exact all along); longer ones are read again by longMantissa
  let m = 0;
  const intStart = i;
  for (; i < end; i++) {
    c = buf[i]! - 48;
    if (c > 9 || c < 0) break;
    m = m * 10 + c;
  }
  let digits = i - intStart;
  let exp = 0;
  const point = i < end && buf[i] === 46;
  if (point) {
    const fracStart = ++i;
    for (; i < end; i++) {
      c = buf[i]! - 48;
      if (c > 9 || c < 0) break;
      m = m * 10 + c;
    }
    exp = fracStart - i;
    digits -= exp;
  }
  if (digits === 0) {
    scanEnd = -1;
    return NaN;
  }
  const digitsEnd = i;
  let floatText = point;
  if (i < end && (buf[i]! | 32) === 101) {
    // an exponent: `e`, a sign, digits
    i++;
    let eneg = false;
    if (buf[i] === 45) {
      eneg = true;
      i++;
    } else if (buf[i] === 43) i++;
    let ev = 0;
    const e0 = i;
    for (; i < end && (c = buf[i]! - 48) >= 0 && c <= 9; i++) if (ev < 1e6) ev = ev * 10 + c;
    if (i === e0) {
      scanEnd = -1;
      return NaN;
    }
    exp += eneg ? -ev : ev;
    floatText = true;
  }
  let v: number;
  if (m < TWO53) {
    // m exact: one correctly rounded multiplication or division by 10^|exp| (Clinger)
    if (exp === 0) v = m;
    else if (exp < 0 && exp >= -22) v = m / POW10[-exp]!;
    else if (exp > 0 && exp <= 22) v = m * POW10[exp]!;
    else if (m === 0) v = 0;
    else {
      scanEnd = -1;
      return NaN;
    }
  } else {
    v = longMantissa(buf, intStart, digitsEnd, exp);
    if (v !== v) {
      scanEnd = -1;
      return NaN;
    }
  }
  scanEnd = i;
  scanFloatText = floatText;
  return neg ? -v : v;
}

/** m1 · 10 + 9 stays below 2^53 for m1 below this. */
const M1_LIMIT = 900719925474099;

/**
 * The digits in buf[from, to) (a point among them is skipped) times 10^exp, correctly rounded,
 * for texts whose digits make a whole number of 2^53 or more; NaN when not settled here.
 */
function longMantissa(buf: Uint8Array, from: number, to: number, exp: number): number {
  // the digits in m1 while it stays exact (leading zeros leave it 0), the last few in m2
  let m1 = 0;
  let m2 = 0;
  let n2 = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]! - 48;
    if (c === -2) continue;
    if (m1 < M1_LIMIT) m1 = m1 * 10 + c;
    else if (n2 < 4) {
      m2 = m2 * 10 + c;
      n2++;
    } else return NaN;
  }
  return bigMantissa(m1, n2, m2, exp);
}

/**
 * M·10^exp correctly rounded, M = m1·10^n2 + m2 (m1 < 2^53, n2 ≤ 4, m2 < 10^n2); NaN when not
 * settled here. M is first made exact as mh + ml (Dekker's product, then a sum of whole numbers
 * below 2^15 and Fast2Sum); below 2^53 it is one double (Clinger), above, a division by 10^k is
 * checked through its exact remainder M - q·10^k.
 */
function bigMantissa(m1: number, n2: number, m2: number, exp: number): number {
  const p2 = POW10[n2]!;
  const ph = m1 * p2;
  const c1 = SPLIT * m1;
  const m1h = c1 - (c1 - m1);
  const pl = productError(ph, m1h, m1 - m1h, POW10_HI[n2]!, POW10_LO[n2]!);
  const small = pl + m2;
  const mh = ph + small;
  const ml = ph - mh + small; // exact: |ph| ≥ |small| (Fast2Sum)
  if (ml === 0 && mh < TWO53) {
    if (exp === 0) return mh;
    if (exp < 0 && exp >= -22) return mh / POW10[-exp]!;
    if (exp > 0 && exp <= 22) return mh * POW10[exp]!;
    return NaN;
  }
  if (exp === 0) return mh; // one rounding of the exact sum ph + small: M correctly rounded
  if (exp > 0 || exp < -22) return NaN;
  const k = -exp;
  const p = POW10[k]!;
  const q = mh / p;
  // the remainder r = M - q·p, exactly: q·p = th + tl (Dekker), mh - th exact (Sterbenz)
  const cq = SPLIT * q;
  const qh = cq - (cq - q);
  const th = q * p;
  const tl = productError(th, qh, q - qh, POW10_HI[k]!, POW10_LO[k]!);
  const r = mh - th - tl + ml;
  f64[0] = q;
  const hiWord = u32[HI]!;
  if ((hiWord & 0xfffff) === 0 && u32[LO] === 0) return NaN; // q a power of two: uneven neighbours
  // half the spacing of doubles at q, times p (exact): M/p lies within it of q when |r| is below
  const half = POW2_NEG[1076 - (hiWord >>> 20)]! * p;
  const ar = r < 0 ? -r : r;
  const margin = ar - half;
  if (margin > -EPS && margin < EPS) return NaN;
  if (margin < 0) return q;
  // M/p lies in the next gap: the neighbour of q on r's side (within 1.5 spacings, as q's error is below one)
  if (ar - 3 * half > -EPS) return NaN;
  return r > 0 ? q + 2 * POW2_NEG[1076 - (hiWord >>> 20)]! : q - 2 * POW2_NEG[1076 - (hiWord >>> 20)]!;
}

const TWO53 = 9007199254740992;
