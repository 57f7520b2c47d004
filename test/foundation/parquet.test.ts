import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Frame, type ColumnKind } from '../../src/core/frame.ts';
import { UserError } from '../../src/core/errors.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { readTable, STAGE_OUTPUT, writeTable } from '../../src/storage/table.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-parquet-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const PANDAS = path.resolve(import.meta.dirname, '../fixtures/pandas');

/** A deterministic walk of prices with `decimals` places. */
function prices(n: number, seed: number, decimals = 2): Float64Array {
  const out = new Float64Array(n);
  let x = 40000 + seed;
  let s = seed * 7919 + 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x += (s / 2 ** 32 - 0.5) * 20;
    out[i] = Math.round(x * 10 ** decimals) / 10 ** decimals;
  }
  return out;
}

/** Frames shaped like each stage's file (columns, kinds, missing values) for n one-minute bars. */
function stageFrames(n: number): Record<string, { frame: Frame; decimals?: number }> {
  const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000);
  const data = new Frame(time.slice());
  for (const [k, c] of ['open', 'high', 'low', 'close'].entries()) data.set(c, prices(n, k));
  data.set('volume', prices(n, 9, 5).map((v) => Math.abs(v - 40000)));
  data.set('close_time', time.map((t) => t + 59_999), 'int');
  data.set('trades', Float64Array.from({ length: n }, (_, i) => (i * 37) % 1000), 'int');
  const features = new Frame(time.slice()).assign(data);
  const close = data.get('close');
  features.set('close_SMA_5', close.map((_, i) => (i < 4 ? NaN : (close[i]! + close[i - 1]! + close[i - 2]! + close[i - 3]! + close[i - 4]!) / 5)));
  features.set('close_LINEARREG_SLOPE_60', close.map((v, i) => (i < 59 ? NaN : (v - close[i - 59]!) / 59)));
  features.set('neg_zero', new Float64Array(n).fill(-0));
  const matrix = new Frame(time.slice()).assign(features);
  matrix.set('high_20', close.map((v, i) => (i >= n - 3 ? NaN : close[i + 3]! > v ? 1 : 0)), 'bool');
  matrix.set('low_20', close.map((v, i) => (i >= n - 3 ? NaN : close[i + 3]! < v ? 1 : 0)), 'bool');
  // predictions (written with 6 decimals as CSV): scores of 6 decimals read back exactly
  const predictions = new Frame(time.slice());
  predictions.set('high_20_lc', Float64Array.from({ length: n }, (_, i) => Math.round(((i * 7919) % 1000003) / 1.000003) / 1e6));
  predictions.assign(data, ['open', 'high', 'low', 'close']).assign(matrix, ['high_20', 'low_20']);
  const signals = new Frame(time.slice()).assign(predictions, ['close', 'high_20']);
  signals.set('trade_score', predictions.get('high_20_lc').map((v) => v - 0.5));
  signals.set('buy_signal_column', signals.get('trade_score').map((v) => (v > 0.2 ? 1 : 0)), 'bool');
  return { 'data': { frame: data }, 'features': { frame: features }, 'matrix': { frame: matrix }, 'predictions': { frame: predictions, decimals: 6 }, 'signals': { frame: signals } };
}

/** CSV holds no column types: a float column of whole numbers reads back as int, as pandas reads it. */
function csvKind(f: Frame, c: string): ColumnKind {
  const k = f.kind(c);
  return k === 'float' && f.get(c).every((v) => Number.isNaN(v) || Number.isInteger(v)) && f.get(c).some((v) => !Number.isNaN(v)) ? 'int' : k;
}

function expectSameFrame(got: Frame, want: Frame, what: string, kindOf = (f: Frame, c: string) => f.kind(c)): void {
  expect(got.columnNames(), what).toEqual(want.columnNames());
  expect(Array.from(got.time), `${what} times`).toEqual(Array.from(want.time));
  for (const c of want.columnNames()) {
    const a = got.get(c);
    const b = want.get(c);
    for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`${what} ${c}[${i}]: wrote ${b[i]}, read ${a[i]}`);
    expect(got.kind(c), `${what} ${c} kind`).toBe(kindOf(want, c));
  }
}

describe('stage files round trip in both formats', () => {
  for (const ext of ['parquet', 'csv', 'csv.gz']) {
    it(`every stage file as .${ext}: values, NaN, -0, kinds and times exact`, async () => {
      for (const [name, { frame, decimals }] of Object.entries(stageFrames(3000))) {
        const file = path.join(dir, `${name}.${ext}`);
        writeTable(file, frame, { decimals });
        expectSameFrame(await readTable(file), frame, `${name}.${ext}`, ext === 'parquet' ? undefined : csvKind);
      }
    });
  }

  it('more rows than one row group, and times with milliseconds, stay exact in parquet', async () => {
    const n = (1 << 20) + 5;
    const f = new Frame(Float64Array.from({ length: n }, (_, i) => 1_700_000_000_123 + i * 1000));
    f.set('x', Float64Array.from({ length: n }, (_, i) => (i % 11 ? i / 3 : NaN)));
    f.set('b', Float64Array.from({ length: n }, (_, i) => (i % 7 ? i % 2 : NaN)), 'bool');
    const file = path.join(dir, 'big.parquet');
    writeTable(file, f);
    expectSameFrame(await readTable(file), f, 'big.parquet');
  });

  it('reads only the asked columns of a parquet file', async () => {
    const file = path.join(dir, 'cols.parquet');
    writeTable(file, stageFrames(100).matrix!.frame);
    const f = await readTable(file, { columns: ['close', 'high_20'] });
    expect(f.columnNames()).toEqual(['close', 'high_20']);
    await expect(readTable(file, { columns: ['nope'] })).rejects.toThrow('cols.parquet has no column "nope" (columns: timestamp, open,');
  });

  it('`only` reads just those of the named columns a file has, in either format (train and predict read no other)', async () => {
    for (const ext of ['parquet', 'csv']) {
      const file = path.join(dir, `only.${ext}`);
      const matrix = stageFrames(50).matrix!.frame;
      writeTable(file, matrix);
      const f = await readTable(file, { only: ['low_20', 'close', 'not_there'] });
      expect(f.columnNames(), ext).toEqual(['close', 'low_20']);
      expect(Array.from(f.get('low_20'))).toEqual(Array.from(matrix.get('low_20')));
    }
  });
});

interface Expected {
  time: number[];
  dtypes: Record<string, string>;
  columns: Record<string, Array<number | boolean | null>>;
}

describe("files written by the original's code path (pandas) read as pandas reads them", () => {
  const expected = JSON.parse(fs.readFileSync(path.join(PANDAS, 'expected.json'), 'utf8')) as Record<string, Expected>;
  for (const name of ['matrix.parquet', 'matrix.csv', 'data.csv']) {
    it(name, async () => {
      const want = expected[name]!;
      const got = await readTable(path.join(PANDAS, name));
      expect(Array.from(got.time)).toEqual(want.time);
      expect(got.columnNames()).toEqual(Object.keys(want.columns));
      for (const [c, values] of Object.entries(want.columns)) {
        const col = got.get(c);
        const kind: ColumnKind = want.dtypes[c] === 'bool' ? 'bool' : want.dtypes[c] === 'int64' ? 'int' : 'float';
        expect(got.kind(c), c).toBe(kind);
        values.forEach((v, i) => {
          const w = v === null ? NaN : typeof v === 'boolean' ? Number(v) : v;
          if (!Object.is(col[i], w)) throw new Error(`${name} ${c}[${i}]: pandas ${v}, here ${col[i]}`);
        });
      }
    });
  }

  it('a file written here opens in pandas with the dtypes the original writes (checked by make_fixtures.py)', async () => {
    // What the script asserts in Python is mirrored here on the bytes: the time column's logical type.
    const file = path.join(dir, 'ours.parquet');
    writeTable(file, stageFrames(10).matrix!.frame);
    const { parquetMetadata } = await import('hyparquet');
    const buf = fs.readFileSync(file);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    const byName = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s]));
    expect(byName.timestamp!.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' });
    expect(byName.close!.type).toBe('DOUBLE');
    expect(byName.close_time!.type).toBe('INT64');
    expect(byName.high_20).toMatchObject({ type: 'BOOLEAN', repetition_type: 'OPTIONAL' });
  });
});

describe('durability', () => {
  it("a stage's output is renamed into place without waiting for fsync; other tables are fsynced", () => {
    const sync = vi.spyOn(fs, 'fsyncSync');
    try {
      const frame = stageFrames(10).data!.frame;
      for (const ext of ['parquet', 'csv']) writeTable(path.join(dir, `stage.${ext}`), frame, STAGE_OUTPUT);
      expect(sync).not.toHaveBeenCalled();
      for (const ext of ['parquet', 'csv']) writeTable(path.join(dir, `klines.${ext}`), frame);
      expect(sync).toHaveBeenCalledTimes(2);
    } finally {
      sync.mockRestore();
    }
  });
});

describe('a broken file is one sentence naming it', () => {
  it('a truncated parquet file', async () => {
    const file = path.join(dir, 'cut.parquet');
    writeTable(file, stageFrames(200).features!.frame);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    await expect(readTable(file)).rejects.toThrow(new UserError('cut.parquet is not a whole parquet file (no PAR1 footer); it may be truncated or not parquet: write it again'));
  });

  it('a parquet file whose footer is damaged, and one whose column data is cut', async () => {
    const good = fs.readFileSync(path.join(PANDAS, 'matrix.parquet'));
    const footer = Buffer.from(good);
    footer.fill(0xff, footer.length - 300, footer.length - 8);
    const bad = path.join(dir, 'bad.parquet');
    fs.writeFileSync(bad, footer);
    const e1 = await readTable(bad).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(UserError);
    expect((e1 as Error).message).toMatch(/^bad\.parquet is not a readable parquet file \(.+\); it may be truncated or not parquet: write it again$/);
    // the first column's pages overwritten: the footer still points at them
    const pages = Buffer.from(good);
    pages.fill(0x07, 4, 2000);
    const hole = path.join(dir, 'hole.parquet');
    fs.writeFileSync(hole, pages);
    const e2 = await readTable(hole).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(UserError);
    expect((e2 as Error).message).toMatch(/^hole\.parquet is not a readable parquet file \(.+\); it may be truncated or not parquet: write it again$/);
  });

  it('a text file named .parquet', async () => {
    const file = path.join(dir, 'text.parquet');
    fs.writeFileSync(file, 'timestamp,close\n2024-01-01 00:00:00,1\n');
    await expect(readTable(file)).rejects.toThrow(new UserError('text.parquet is not a whole parquet file (no PAR1 header); it may be truncated or not parquet: write it again'));
  });

  it('a truncated .csv.gz (issue #12)', () => {
    const file = path.join(dir, 'klines.csv.gz');
    const gz = zlib.gzipSync('timestamp,close\n' + Array.from({ length: 5000 }, (_, i) => `${i * 60},${i}.5`).join('\n'));
    fs.writeFileSync(file, gz.subarray(0, gz.length >> 1));
    expect(() => readCsv(file)).toThrow(new UserError('klines.csv.gz is not a whole gzip file (unexpected end of file); it may be truncated: download or write it again'));
  });
});
