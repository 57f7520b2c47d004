import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/storage/csv.ts';
import { putFixed, putShortest, scanEnd, scanNumber, writeShortest } from '../../src/storage/numberText.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-numbertext-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A small deterministic generator (xorshift), so a failure repeats. */
function generator(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** A double of random bits with its exponent drawn from [lo, hi) (biased exponents; 1023 is 2^0). */
function randomBits(random: () => number, lo = 0, hi = 2047): number {
  u32[1 - HI] = random() * 2 ** 32;
  u32[HI] = ((lo + Math.floor(random() * (hi - lo))) << 20) | (random() * 2 ** 20);
  return f64[0]!;
}

/** Doubles as a feature stage makes them: means, slopes and deviations of 2-decimal prices, ratios, roots. */
function featureLike(random: () => number, count: number): Float64Array {
  const price = (i: number) => Math.round((90_000 + 8_000 * Math.sin(i / 500) + random() * 300) * 100) / 100;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const w = [5, 10, 15, 60][i % 4]!;
    let sum = 0;
    let sq = 0;
    for (let k = 0; k < w; k++) {
      const p = price(i + k);
      sum += p;
      sq += p * p;
    }
    const mean = sum / w;
    out[i] = [mean, Math.sqrt(Math.max(0, sq / w - mean * mean)), (price(i + w) - price(i)) / w, price(i) / price(i + 1) - 1, 1 / mean][i % 5]!;
  }
  return out;
}

const buf = Buffer.alloc(64);
const written = (put: (b: Buffer, pos: number) => number) => buf.toString('latin1', 0, put(buf, 0));

describe('numbers to text: putShortest writes String(v) byte for byte', () => {
  it('on random bits of every exponent, feature-like values, prices, whole numbers and the awkward ones', () => {
    const random = generator(7);
    const values: number[] = [];
    for (let i = 0; i < 300_000; i++) values.push(randomBits(random), randomBits(random, 1003, 1073));
    for (const v of featureLike(random, 200_000)) values.push(v);
    for (let i = 0; i < 100_000; i++) {
      values.push(Math.round(random() * 1e9) / 100, Math.round(random() * 2 ** 53), Math.round(random() * 1e9) / 10 ** Math.floor(random() * 16));
    }
    values.push(0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3, Math.PI, 1e-6, 9.999999999999999e-7, 1e15, 999999999999999.9, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 2 ** 52, 2 ** 53, 2 ** -20, 1.5, 123456789.12345678, 0.000123456789012345);
    let mismatches = 0;
    for (const x of values) {
      for (const v of [x, -x]) {
        if (v !== v || Object.is(v, -0)) continue;
        const got = written((b, p) => putShortest(b, p, v));
        if (got !== String(v) && mismatches++ < 5) expect(got, `bits of ${v}`).toBe(String(v));
      }
    }
    expect(mismatches).toBe(0);
  });

  it('keeps -0 as "-0" (String() writes "0"), so the sign comes back', () => {
    expect(written((b, p) => putShortest(b, p, -0))).toBe('-0');
    expect(written((b, p) => putShortest(b, p, 0))).toBe('0');
  });

  it('writeShortest settles the 15-17 digit values itself and declines only what it cannot (then String() writes them)', () => {
    const random = generator(11);
    const values = featureLike(random, 100_000);
    let settled = 0;
    let long = 0;
    for (const v of values) {
      if (String(v).replace(/^-?0?\.?0*/, '').replace('.', '').length < 15) continue;
      long++;
      const end = writeShortest(buf, 0, v);
      if (end < 0) continue;
      settled++;
      expect(buf.toString('latin1', 0, end)).toBe(String(v));
    }
    expect(long).toBeGreaterThan(50_000);
    expect(settled / long).toBeGreaterThan(0.98);
    // outside String()'s fixed notation, and at powers of two, it declines
    for (const v of [1e-7, 1e15, 1e21, 2 ** 20, 0.5, NaN, Infinity]) expect(writeShortest(buf, 0, v)).toBe(-1);
  });

  it('putFixed writes toFixed(decimals), whole numbers without a fraction', () => {
    const random = generator(3);
    for (let i = 0; i < 200_000; i++) {
      const d = i % 10;
      const v = i % 3 ? (random() - 0.5) * 10 ** Math.floor(random() * 14 - 4) : Math.round(random() * 1e6) / 2 ** Math.floor(random() * 8);
      const want = Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : v.toFixed(d);
      expect(written((b, p) => putFixed(b, p, v, d)), `${v} with ${d} decimals`).toBe(want);
    }
  });
});

describe('text to numbers: scanNumber reads Number()’s value bit for bit', () => {
  /** The value of scanNumber over the whole text, or undefined when it leaves the text to Number(). */
  const scanned = (text: string): number | undefined => {
    const n = buf.write(text, 0, 'latin1');
    const v = scanNumber(buf, 0, n);
    return scanEnd === n ? v : undefined;
  };
  const digits = (random: () => number, k: number) => Array.from({ length: k }, () => Math.floor(random() * 10)).join('');

  it('on String(), toExponential, toPrecision and toFixed of random doubles, random digit strings and near-halfway ones', () => {
    const random = generator(5);
    const texts: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      const x = randomBits(random);
      const y = randomBits(random, 990, 1080);
      texts.push(String(x), String(y), y.toExponential(Math.floor(random() * 20)), y.toPrecision(1 + Math.floor(random() * 21)), y.toFixed(Math.floor(random() * 12)));
      const a = digits(random, Math.floor(random() * 12));
      const b = digits(random, Math.floor(random() * 14));
      texts.push(`${a}.${b}`, `-${a}.${b}`, `+${a}${b}`, `${a}.${b}e${Math.floor(random() * 60) - 30}`, `.${b}`, `${a}.`, `0.000${b}`);
      // 16-20 significant digits ending in 5 or 0s: near the midpoint between two doubles
      texts.push(`${digits(random, 1)}.${digits(random, 15)}5`, `${digits(random, 16)}5e-${Math.floor(random() * 23)}`, `${digits(random, 17)}${'0'.repeat(Math.floor(random() * 3))}e-${Math.floor(random() * 30)}`);
    }
    for (const x of featureLike(random, 50_000)) texts.push(String(x), x.toFixed(6), x.toPrecision(17));
    let handled = 0;
    for (const t of texts) {
      const v = scanned(t);
      if (v === undefined) continue;
      handled++;
      if (!Object.is(v, Number(t))) expect(v, JSON.stringify(t)).toBe(Number(t));
    }
    expect(handled / texts.length).toBeGreaterThan(0.6);
  });

  it('exact midpoints between neighbouring doubles, and the digit strings just beside them', () => {
    const random = generator(9);
    for (let i = 0; i < 3000; i++) {
      // (2m + 1)·2^(e-1) in decimal: a double's significand m, the midpoint to its neighbour, exactly
      const m = BigInt(Math.floor(random() * 2 ** 21)) * 2n ** 32n + BigInt(Math.floor(random() * 2 ** 32)) + 2n ** 52n;
      const e = -Math.floor(random() * 60) - 1;
      const scale = 10n ** BigInt(-e);
      const exact = ((2n * m + 1n) * scale) / 2n ** BigInt(-e + 1); // midpoint · 10^-e, exact (2^k divides 10^k)
      const text = exact.toString();
      const asDecimal = (s: string) => `${s.slice(0, s.length + e) || '0'}.${s.slice(s.length + e).padStart(-e, '0')}`;
      for (const t of [asDecimal(text), asDecimal((exact + 1n).toString()), asDecimal((exact - 1n).toString())]) {
        const short = t.replace(/0+$/, '').slice(0, 20);
        for (const candidate of [t, short]) {
          const v = scanned(candidate);
          if (v !== undefined) expect(Object.is(v, Number(candidate)), candidate).toBe(true);
        }
      }
    }
  });

  it('-0, signs, exponents and zeros', () => {
    for (const t of ['0', '-0', '+0', '0.0', '-0.0', '0e5', '-0e-400', '+1.5', '-1.5e-7', '1E5', '1e+5', '1e22', '1e-22', '00001.5', '1.', '.5', '-.5', '9007199254740993', '123456789012345678', '0.30000000000000004', '96407.990000']) {
      const v = scanned(t);
      expect(v, t).not.toBeUndefined();
      expect(Object.is(v, Number(t)), t).toBe(true);
    }
    // what it leaves to the general path: not a number to it, or beyond its exact range
    expect(scanned('')).toBeNaN(); // an empty cell is a missing value
    for (const t of ['nan', 'NaN', 'inf', '-', '.', 'e5', '1e', '1e+', '0x10', ' 1', '1e23', '1e-23', '123456789012345678901', '12345678901234567e3']) expect(scanned(t), t).toBeUndefined();
  });

  it('through readCsv: the original’s spellings (empty, nan, NaN, True/False, -0, +x, exponents) in cells between commas', () => {
    const random = generator(13);
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const y = randomBits(random, 990, 1080);
      texts.push([String(y), y.toFixed(6), y.toExponential(5), `+${Math.abs(y).toPrecision(18)}`, '-0', '1.5E-7', '-12.50'][i % 7]!);
    }
    const rows = texts.map((t, i) => `2024-01-01 00:${String(i % 60).padStart(2, '0')}:00,${t},${['', 'nan', 'NaN', '0.5'][i % 4]},${i % 2 ? 'True' : 'False'}`);
    const file = path.join(dir, 'spellings.csv');
    fs.writeFileSync(file, `timestamp,x,gappy,flag\n${rows.join('\n')}\n`);
    const frame = readCsv(file);
    const x = frame.get('x');
    texts.forEach((t, i) => {
      if (!Object.is(x[i], Number(t))) expect(x[i], t).toBe(Number(t));
    });
    expect(Array.from(frame.get('gappy').subarray(0, 4))).toEqual([NaN, NaN, NaN, 0.5]);
    expect(frame.kind('flag')).toBe('bool');
    expect(Array.from(frame.get('flag').subarray(0, 3))).toEqual([0, 1, 0]);
    expect(frame.kind('x')).toBe('float');
  });
});
