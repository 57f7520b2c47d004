import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Frame } from '../../src/core/frame.ts';
import { UserError } from '../../src/shared/errors.ts';
import { csvThreads, parseCsv, readCsv, writeCsv } from '../../src/storage/csv.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (ext = 'csv') => path.join(dir, `f${++n}.${ext}`);

function writeText(text: string, gz = false): string {
  const f = file(gz ? 'csv.gz' : 'csv');
  fs.writeFileSync(f, gz ? zlib.gzipSync(text) : text);
  return f;
}

/** Doubles from random bit patterns (every exponent), plus the awkward ones by name. */
function awkwardDoubles(count: number): Float64Array {
  const named = [1e-7, -0.5, 0.30000000000000004, 123456789.12345678, 12345678901234567, 0.1, 1 / 3, Math.PI, -2.5e-300, 5e-324, 1.7976931348623157e308, 9007199254740993, -0, 42283.58, 1e21, 1e22, 123e-20];
  const out = new Float64Array(count);
  const bits = new Uint32Array(out.buffer);
  let s = 12345;
  for (let i = 0; i < bits.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    bits[i] = s ^ (s >>> 7);
  }
  for (let i = 0; i < count; i++) if (!Number.isFinite(out[i]!)) out[i] = i;
  out.set(named);
  return out;
}

function expectSameBits(a: Float64Array, b: Float64Array): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`value ${i}: wrote ${a[i]}, read ${b[i]}`);
}

describe('CSV round trip', () => {
  it('every double comes back bit for bit, NaN as an empty cell, booleans as True/False', () => {
    const rows = 4000;
    const time = Float64Array.from({ length: rows }, (_, i) => Date.UTC(2020, 0, 1) + i * 60_000);
    const frame = new Frame(time);
    frame.set('random', awkwardDoubles(rows));
    frame.set('prices', Float64Array.from({ length: rows }, (_, i) => Math.round((40000 + Math.sin(i) * 5000) * 100) / 100));
    frame.set('tiny', Float64Array.from({ length: rows }, (_, i) => (i - 2000) * 1e-9));
    frame.set('gaps', Float64Array.from({ length: rows }, (_, i) => (i % 3 ? i / 7 : NaN)));
    frame.set('flag', Float64Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? NaN : i % 2)), 'bool');
    for (const gz of [false, true]) {
      const f = file(gz ? 'csv.gz' : 'csv');
      writeCsv(f, frame);
      const back = readCsv(f);
      expectSameBits(frame.time, back.time);
      expect(back.columnNames()).toEqual(frame.columnNames());
      for (const c of frame.columnNames()) expectSameBits(frame.get(c), back.get(c));
      expect(back.kind('flag')).toBe('bool');
    }
    const text = fs.readFileSync(path.join(dir, `f${n - 1}.csv`), 'utf8').split('\n');
    expect(text[0]).toBe('timestamp,random,prices,tiny,gaps,flag');
    expect(text[1]).toMatch(/^2020-01-01 00:00:00,1e-7,40000,-0\.00000200\d*,,$/);
    expect(text[2]!.endsWith(',True')).toBe(true);
    expect(text[3]!.endsWith(',False')).toBe(true);
  });

  it('the decimals option writes the original\'s %.6f', () => {
    const f = file();
    writeCsv(f, new Frame([0]).set('a', [1 / 3]).set('b', [42283.58]).set('c', [7]), { decimals: 6 });
    expect(fs.readFileSync(f, 'utf8')).toBe('timestamp,a,b,c\n1970-01-01 00:00:00,0.333333,42283.580000,7\n');
  });

  it('a failed write leaves the old file whole and no temp file behind', () => {
    const f = file();
    writeCsv(f, new Frame([0]).set('a', [1]));
    const before = fs.readFileSync(f, 'utf8');
    expect(() => writeCsv(f, new Frame([0]).set('a', [2]), { columns: ['a', 'missing'] })).toThrow(UserError);
    expect(fs.readFileSync(f, 'utf8')).toBe(before);
    expect(fs.readdirSync(dir).filter((x) => x.endsWith('.tmp'))).toEqual([]);
  });
});

describe("reading the original's files", () => {
  it('%.6f floats, +00:00 timestamps, True/False, empty and nan cells', () => {
    const f = writeText(
      [
        'timestamp,open,close,close_SMA_5,buy_signal_column,high_20',
        '2024-01-01 00:00:00+00:00,42283.580000,42290.000000,,False,nan',
        '2024-01-01 00:01:00+00:00,42290.000000,42301.120000,42288.123457,True,1.0',
        '',
      ].join('\n'),
    );
    const fr = readCsv(f);
    expect(Array.from(fr.time)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 1)]);
    expect(Array.from(fr.get('open'))).toEqual([42283.58, 42290]);
    expect(fr.get('close_SMA_5')[0]).toBeNaN();
    expect(fr.get('close_SMA_5')[1]).toBe(42288.123457);
    expect(Array.from(fr.get('buy_signal_column'))).toEqual([0, 1]);
    expect(fr.kind('buy_signal_column')).toBe('bool');
    expect(fr.get('high_20')[0]).toBeNaN();
  });

  it('ISO timestamps in their spellings, all UTC', () => {
    const f = writeText(
      'timestamp,x\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00.000+01:00,2\n2024-01-01 00:02,3\n2024-01-01T00:03:00.500,4\n"2024-01-01 00:04:00",5\n',
    );
    const fr = readCsv(f);
    const t = Date.UTC(2024, 0, 1);
    expect(Array.from(fr.time)).toEqual([t, t, t + 120_000, t + 180_500, t + 240_000]);
  });

  it("the original's daily klines.csv: YYYY-MM-DD dates, CRLF line ends, gzip", () => {
    const text =
      'timestamp,open,high,low,close,volume,close_time,quote_av,trades,tb_base_av,tb_quote_av,ignore\r\n' +
      '2017-08-17,4261.48000000,4485.39000000,4200.74000000,4285.08000000,795.15037700,1503014399999,3454770.05073206,3427,616.24854100,2678216.40060401,0\r\n' +
      '2017-08-18,4285.08000000,4371.52000000,3938.77000000,4108.37000000,1199.88826400,1503100799999,5086958.30617151,5233,972.86871000,4129123.31651808,0\r\n';
    const fr = readCsv(writeText(text, true));
    expect(Array.from(fr.time)).toEqual([Date.UTC(2017, 7, 17), Date.UTC(2017, 7, 18)]);
    expect(fr.get('volume')[1]).toBe(1199.888264);
    expect(fr.get('close_time')[0]).toBe(1503014399999);
    expect(fr.get('ignore')[1]).toBe(0);
  });

  it('epoch milliseconds in an open_time column', () => {
    const fr = readCsv(writeText('open_time,open\n1725148800000,58974\n1725148860000,58967.02\n'));
    expect(Array.from(fr.time)).toEqual([1725148800000, 1725148860000]);
  });

  it('only the asked columns', () => {
    const fr = readCsv(writeText('timestamp,a,b,c\n2024-01-01,1,2,3\n'), { columns: ['c', 'a'] });
    expect(fr.columnNames().sort()).toEqual(['a', 'c']);
  });
});

describe('broken files name the line', () => {
  const cases: Array<[string, string, string]> = [
    ['a cell that is not a number', 'timestamp,a,b\n2024-01-01,1,2\n2024-01-02,1,x2\n', 'line 3: "x2" in column b is not a number'],
    ['a line with too few cells', 'timestamp,a,b\n2024-01-01,1,2\n\n2024-01-03,1\n', 'line 4: expected 3 values, found 2'],
    ['a time that is not a time', 'timestamp,a\n2024-01-01,1\n2024-13-45 99:00,2\n', 'line 3: "2024-13-45 99:00" in column timestamp is not a time'],
    ['no time column', 'when,a\n1,2\n', 'has no time column (header: when, a)'],
    ['an empty file', '', 'is empty (no header line)'],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const f = writeText(text);
      expect(() => readCsv(f)).toThrow(UserError);
      expect(() => readCsv(f)).toThrow(`${path.basename(f)} ${message}`.replace(`${path.basename(f)} line`, `${path.basename(f)} line`));
    });
  }

  it('a missing file', () => {
    expect(() => readCsv(path.join(dir, 'none.csv'))).toThrow(/none\.csv does not exist/);
  });
});

describe('a large CSV is read in chunks', () => {
  it('lines cut by the 8 MB chunks, CRLF endings and no final newline read as the whole text does', () => {
    const rows: string[] = ['timestamp,a,b,flag'];
    for (let i = 0; i < 500_000; i++) {
      const pad = i % 97 === 0 ? '0'.repeat(i % 40) : '';
      rows.push(`${1_700_000_000 + i * 60},${pad}${(i * 7919) % 100003}.${i % 1000},${i % 13 === 0 ? '' : -i / 8},${i % 2 ? 'True' : 'False'}`);
    }
    const text = rows.join('\r\n');
    expect(text.length).toBeGreaterThan(16 << 20);
    const f = writeText(text);
    const chunked = readCsv(f);
    const whole = parseCsv(Buffer.from(text), 'whole');
    expect(chunked.length).toBe(500_000);
    expect(Array.from(chunked.time)).toEqual(Array.from(whole.time));
    for (const c of ['a', 'b', 'flag']) {
      expectSameBits(whole.get(c), chunked.get(c));
      expect(chunked.kind(c)).toBe(whole.kind(c));
    }
    const bad = writeText(`${text}\n1700000000,1,2,maybe`);
    expect(() => readCsv(bad)).toThrow(`line 500002: "maybe" in column flag is not a number`);
  });
});

describe('a big CSV is read by two threads, a half each', () => {
  // kinds decided by the second half: `late` is empty in the first half and whole numbers after,
  // `mixed` whole numbers first and decimals after, `flag` True/False with gaps
  const rows: string[] = ['timestamp,a,late,mixed,flag,skip'];
  const count = 200_000;
  for (let i = 0; i < count; i++) {
    const second = i >= (count * 3) / 4; // surely in the second thread's half
    rows.push(`2024-01-01 00:00:00,${(i * 7919) % 100003}.${i % 1000},${second ? i : ''},${second && i % 5 === 0 ? i / 4 : i},${i % 7 === 0 ? '' : i % 2 ? 'True' : 'False'},x${i}`);
  }
  const text = rows.join('\n') + '\n';

  it('reads what one thread reads: values, times, kinds, also with a column list', () => {
    const f = writeText(text);
    const whole = parseCsv(Buffer.from(text), 'whole', { columns: ['a', 'late', 'mixed', 'flag'] });
    const before = csvThreads.parts;
    const two = readCsv(f, { columns: ['a', 'late', 'mixed', 'flag'], twoThreadsFrom: 1 });
    expect(csvThreads.parts).toBe(before + 1);
    expect(two.length).toBe(count);
    expect(Array.from(two.time)).toEqual(Array.from(whole.time));
    for (const c of ['a', 'late', 'mixed', 'flag']) {
      expectSameBits(whole.get(c), two.get(c));
      expect(two.kind(c)).toBe(whole.kind(c));
    }
    expect(two.kind('late')).toBe('int');
    expect(two.kind('mixed')).toBe('float');
    expect(two.kind('flag')).toBe('bool');
    expect(two.columnNames()).not.toContain('skip');
  });

  it("a bad line in the second thread's half is named by its line in the file", () => {
    const lines = text.split('\n');
    lines[count - 10] = '2024-01-01 00:00:00,1,2,3,True,x';
    lines[count - 9] = '2024-01-01 00:00:00,1,2,3,perhaps,x';
    const f = writeText(lines.join('\n'));
    const before = csvThreads.parts;
    expect(() => readCsv(f, { columns: ['a', 'flag'], twoThreadsFrom: 1 })).toThrow(`${path.basename(f)} line ${count - 8}: "perhaps" in column flag is not a number`);
    expect(csvThreads.parts).toBe(before + 1);
    const short = text.split('\n');
    short[count] = '2024-01-01 00:00:00,1';
    const g = writeText(short.join('\n'));
    expect(() => readCsv(g, { columns: ['a', 'flag'], twoThreadsFrom: 1 })).toThrow(`${path.basename(g)} line ${count + 1}: expected 6 values, found 2`);
  });

  it("a bad line in the first half stops the read as before", () => {
    const lines = text.split('\n');
    lines[5] = '2024-01-01 00:00:00,1,2,3,True';
    const f = writeText(lines.join('\n'));
    expect(() => readCsv(f, { columns: ['a', 'flag'], twoThreadsFrom: 1 })).toThrow(`${path.basename(f)} line 6: expected 6 values, found 5`);
  });

  it('ITB_CSV_THREADS=1 reads in one thread', () => {
    const f = writeText(text);
    const before = csvThreads.parts;
    process.env.ITB_CSV_THREADS = '1';
    try {
      expect(readCsv(f, { columns: ['a', 'flag'], twoThreadsFrom: 1 }).length).toBe(count);
    } finally {
      delete process.env.ITB_CSV_THREADS;
    }
    expect(csvThreads.parts).toBe(before);
  });
});

describe('a big table is written by two threads, a block of rows each in turn', () => {
  it('writes the same bytes as one thread: floats shortest and fixed, whole numbers, booleans, NaN, times with milliseconds', () => {
    const n = 60_000;
    const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000 + (i % 1000 === 7 ? 123 : 0));
    const fr = new Frame(time);
    const doubles = awkwardDoubles(n);
    fr.set('x', doubles, 'float');
    fr.set('whole', Float64Array.from({ length: n }, (_, i) => (i % 11 === 0 ? NaN : i * 3)), 'int');
    fr.set('flag', Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? NaN : i % 2)), 'bool');
    fr.set('price', Float64Array.from({ length: n }, (_, i) => 40000 + i / 7), 'float');
    // the helper thread running (a big read waits for it to start), so that it formats blocks
    const big = file();
    writeCsv(big, fr, { twoThreadsFrom: Infinity });
    expect(readCsv(big, { twoThreadsFrom: 1 }).length).toBe(n);
    const blocks = csvThreads.blocks;
    for (const decimals of [undefined, 6]) {
      const one = file();
      const two = file();
      writeCsv(one, fr, { decimals, twoThreadsFrom: Infinity });
      const before = csvThreads.writes;
      writeCsv(two, fr, { decimals, twoThreadsFrom: 1 });
      expect(csvThreads.writes).toBe(before + 1);
      const a = fs.readFileSync(one);
      expect(a.length).toBeGreaterThan(1_000_000);
      expect(fs.readFileSync(two).equals(a)).toBe(true);
    }
    expect(csvThreads.blocks).toBeGreaterThan(blocks);
    // and a second file at once, through the same helper thread, read back by two threads
    const again = file();
    writeCsv(again, fr, { twoThreadsFrom: 1 });
    const back = readCsv(again, { twoThreadsFrom: 1 });
    expectSameBits(doubles, back.get('x'));
    expect(Array.from(back.time)).toEqual(Array.from(time));
  });
});

describe('a big file without a header line (names from the options)', () => {
  it('keeps its first line, read in chunks and by two threads', () => {
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++) lines.push(`${1_700_000_000_000 + i * 60_000},${40000 + i / 7},${i % 17}`);
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(9 << 20);
    const f = writeText(text);
    const header = ['open_time', 'close', 'trades'];
    const whole = parseCsv(Buffer.from(text), 'whole', { header });
    expect(whole.length).toBe(300_000);
    for (const twoThreadsFrom of [Infinity, 1]) {
      const fr = readCsv(f, { header, twoThreadsFrom });
      expect(fr.length).toBe(300_000);
      expect(fr.time[0]).toBe(1_700_000_000_000);
      expect(Array.from(fr.time)).toEqual(Array.from(whole.time));
      expectSameBits(whole.get('close'), fr.get('close'));
    }
    const bad = text.split('\n');
    bad[200_000] = '1700000000000,1';
    const g = writeText(bad.join('\n'));
    expect(() => readCsv(g, { header, twoThreadsFrom: 1 })).toThrow(`${path.basename(g)} line 200001: expected 3 values, found 2`);
  });
});
