/**
 * Parquet stage files, as the original reads and writes them (`df.to_parquet(index=False)`,
 * `pd.read_parquet`). Reading goes through hyparquet (every encoding, codec and page kind that
 * pandas/pyarrow write); writing uses hyparquet-writer's page-header and footer encoders with
 * each column's bytes copied in one piece: PLAIN, uncompressed, one page per column and row
 * group. The time column is written as pandas writes a UTC `datetime64[ns, UTC]` column:
 * INT64 TIMESTAMP(NANOS, isAdjustedToUTC), so pandas reads it back as the same dtype.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { ColumnChunk } from 'hyparquet';
import { Frame, type ColumnKind } from '../core/frame.ts';
import { UserError } from '../shared/errors.ts';
import { epochToMs } from '../core/time.ts';
import { openAtomic } from './atomic.ts';
import { openToRead, pickTimeColumn, type ReadCsvOptions, type WriteCsvOptions } from './csv.ts';

if (os.endianness() !== 'LE') throw new Error('parquet.ts copies column bytes as they are in memory, which needs a little-endian machine');

/** Rows per row group (pyarrow's default is 1 Mi rows too); one page per column in each. */
const ROW_GROUP = 1 << 20;
const MAGIC = Buffer.from('PAR1');
const TWO32 = 4294967296;

export function isParquetFile(file: string): boolean {
  return /\.parquet$/i.test(file);
}

/** A parse failure of hyparquet as one sentence naming the file. */
function badFile(label: string, e: unknown): UserError {
  const why = e instanceof Error ? e.message : String(e);
  return new UserError(`${label} is not a readable parquet file (${why.replace(/\.$/, '')}); it may be truncated or not parquet: write it again`);
}

/** epoch ms from the time column's raw values (timestamps arrive as ms already, see the parsers). */
function timeValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return epochToMs(Number(v));
  if (v instanceof Date) return v.getTime();
  return NaN;
}

/** The file as hyparquet's AsyncBuffer: each slice is read from the open file, so only the bytes needed are read. */
function fileBuffer(fd: number, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    slice(start: number, end = byteLength) {
      const out = new ArrayBuffer(end - start);
      const got = fs.readSync(fd, new Uint8Array(out), 0, end - start, start);
      if (got !== end - start) throw new Error(`could read only ${got} of ${end - start} bytes at offset ${start}`);
      return out;
    },
  };
}

/**
 * Where the values of a column chunk lie when the chunk is one uncompressed PLAIN data page of
 * DOUBLE or INT64 values without levels (as this module writes them); undefined otherwise.
 */
function plainPage(fd: number, el: SchemaElement, chunk: ColumnChunk, rows: number): { at: number; type: 'DOUBLE' | 'INT64' } | undefined {
  const m = chunk.meta_data;
  if (!m || m.codec !== 'UNCOMPRESSED' || el.repetition_type !== 'REQUIRED' || (m.type !== 'DOUBLE' && m.type !== 'INT64') || m.dictionary_page_offset !== undefined) return undefined;
  const start = Number(m.data_page_offset);
  const size = Number(m.total_compressed_size);
  const headBytes = new Uint8Array(Math.min(size, 256));
  fs.readSync(fd, headBytes, 0, headBytes.length, start);
  const reader = { view: new DataView(headBytes.buffer), offset: 0 };
  const h = parquetHeader(reader);
  const plain = h.type === 'DATA_PAGE' ? h.data_page_header?.encoding === 'PLAIN' : h.type === 'DATA_PAGE_V2' && h.data_page_header_v2?.encoding === 'PLAIN' && !h.data_page_header_v2.definition_levels_byte_length && !h.data_page_header_v2.repetition_levels_byte_length;
  const values = h.data_page_header?.num_values ?? h.data_page_header_v2?.num_values;
  if (!plain || values !== rows || h.compressed_page_size !== rows * 8 || h.uncompressed_page_size !== rows * 8 || reader.offset + rows * 8 !== size) return undefined;
  return { at: start + reader.offset, type: m.type };
}

/**
 * Reads a column chunk of booleans into out[at…] (1/0, NaN for a null) when it is one uncompressed
 * PLAIN data page (v1), nullable or not, as this module writes them; false (nothing read) otherwise.
 * Definition levels may be RLE or bit-packed runs (bit width 1), as any writer makes them.
 */
function readBoolPage(fd: number, el: SchemaElement, chunk: ColumnChunk, rows: number, out: Float64Array, at: number): boolean {
  const m = chunk.meta_data;
  const optional = el.repetition_type === 'OPTIONAL';
  if (!m || m.codec !== 'UNCOMPRESSED' || m.dictionary_page_offset !== undefined || (!optional && el.repetition_type !== 'REQUIRED')) return false;
  const size = Number(m.total_compressed_size);
  const bytes = Buffer.allocUnsafe(size);
  if (fs.readSync(fd, bytes, 0, size, Number(m.data_page_offset)) !== size) return false;
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const h = parquetHeader(reader);
  const d = h.data_page_header;
  if (h.type !== 'DATA_PAGE' || !d || d.encoding !== 'PLAIN' || d.num_values !== rows || h.compressed_page_size !== h.uncompressed_page_size || reader.offset + h.compressed_page_size !== size) return false;
  let p = reader.offset;
  // which rows have a value: all, or as the definition levels say
  let present: Uint8Array | undefined;
  let count = rows;
  if (optional) {
    if (d.definition_level_encoding !== 'RLE' || p + 4 > size) return false;
    const levelsEnd = p + 4 + bytes.readUInt32LE(p);
    p += 4;
    present = new Uint8Array(rows);
    let r = 0;
    while (r < rows && p < levelsEnd) {
      let header = 0;
      for (let shift = 0; ; shift += 7) {
        const b = bytes[p++]!;
        header += (b & 0x7f) * 2 ** shift;
        if (b < 0x80 || p >= levelsEnd) break;
      }
      if (header % 2) {
        // bit-packed: groups of eight levels, one bit each
        const groups = Math.floor(header / 2);
        for (let k = 0; k < groups * 8 && r < rows; k++) present[r++] = (bytes[p + (k >> 3)]! >> (k & 7)) & 1;
        p += groups;
      } else {
        const run = header / 2;
        const level = bytes[p++]! & 1;
        for (let k = 0; k < run && r < rows; k++) present[r++] = level;
      }
    }
    if (r !== rows || p !== levelsEnd) return false;
    count = 0;
    for (let i = 0; i < rows; i++) count += present[i]!;
  }
  if (p + Math.ceil(count / 8) !== size) return false;
  for (let i = 0, k = 0; i < rows; i++) {
    if (present && !present[i]) out[at + i] = NaN;
    else {
      out[at + i] = (bytes[p + (k >> 3)]! >> (k & 7)) & 1;
      k++;
    }
  }
  return true;
}

/**
 * Reads a parquet file into a Frame: DOUBLE/FLOAT/INT columns become float (INT64/INT32 'int'),
 * BOOLEAN columns bool, nulls NaN; the time column (timestamp of any unit, date, or an epoch
 * number) becomes epoch ms. Text columns are refused with the column's name.
 */
export async function readParquet(file: string, options: ReadCsvOptions = {}): Promise<Frame> {
  const label = path.basename(file);
  const fd = openToRead(file);
  try {
    return await readOpen(fd, label, options);
  } finally {
    fs.closeSync(fd);
  }
}

async function readOpen(fd: number, label: string, options: ReadCsvOptions): Promise<Frame> {
  const size = fs.fstatSync(fd).size;
  const ends = Buffer.alloc(8);
  if (size >= 12) {
    fs.readSync(fd, ends, 0, 4, 0);
    fs.readSync(fd, ends, 4, 4, size - 4);
  }
  if (size < 12 || !ends.subarray(0, 4).equals(MAGIC) || !ends.subarray(4).equals(MAGIC)) {
    const why = size < 12 ? `${size} bytes` : !ends.subarray(0, 4).equals(MAGIC) ? 'no PAR1 header' : 'no PAR1 footer';
    throw new UserError(`${label} is not a whole parquet file (${why}); it may be truncated or not parquet: write it again`);
  }
  const source = fileBuffer(fd, size);
  let meta: FileMetaData;
  try {
    meta = await parquetMetadataAsync(source);
  } catch (e) {
    throw badFile(label, e);
  }
  const leaves = meta.schema.slice(1);
  if (leaves.some((s) => s.num_children)) throw new UserError(`${label} has nested columns, which a stage file cannot hold`);
  const header = leaves.map((s) => s.name);
  const timeIdx = pickTimeColumn(header, options.timeColumn);
  if (timeIdx < 0) {
    throw new UserError(`${label} has no time column${options.timeColumn ? ` "${options.timeColumn}"` : ''} (columns: ${header.join(', ')})`);
  }
  const timeName = header[timeIdx]!;
  if (options.columns) {
    for (const c of options.columns) if (!header.includes(c)) throw new UserError(`${label} has no column "${c}" (columns: ${header.join(', ')})`);
  }
  const only = options.only ? new Set(options.only) : null;
  const wanted = options.columns ? [timeName, ...options.columns.filter((c) => c !== timeName)] : only ? header.filter((c) => c === timeName || only.has(c)) : header;
  const n = Number(meta.num_rows);
  const cols = new Map<string, Float64Array>();
  const kinds = new Map<string, ColumnKind>();
  const general: string[] = [];
  try {
    for (const name of wanted) {
      const c = header.indexOf(name);
      const el = leaves[c]!;
      kinds.set(name, el.type === 'BOOLEAN' ? 'bool' : el.type === 'INT64' || el.type === 'INT32' ? (el.logical_type || el.converted_type ? 'float' : 'int') : 'float');
      if (name !== timeName && !isNumeric(el)) throw new UserError(`${label}: column "${name}" holds ${describeType(el)}, not numbers`);
      const out = new Float64Array(n);
      cols.set(name, out);
      // Columns of plain doubles (as written here) are read straight into their array.
      let row = 0;
      let direct = name !== timeName || el.logical_type?.type === 'TIMESTAMP';
      for (const rg of meta.row_groups) {
        const rows = Number(rg.num_rows);
        if (el.type === 'BOOLEAN') {
          direct &&= readBoolPage(fd, el, rg.columns[c]!, rows, out, row);
          if (!direct) break;
          row += rows;
          continue;
        }
        const page = direct ? plainPage(fd, el, rg.columns[c]!, rows) : undefined;
        if (!page) {
          direct = false;
          break;
        }
        if (page.type === 'DOUBLE') fs.readSync(fd, new Uint8Array(out.buffer, row * 8, rows * 8), 0, rows * 8, page.at);
        else {
          const words = new BigInt64Array(rows);
          fs.readSync(fd, new Uint8Array(words.buffer), 0, rows * 8, page.at);
          copyValues(words, out, row);
          if (name === timeName) scaleTime(out, row, rows, el.logical_type);
        }
        row += rows;
      }
      if (!direct) general.push(name);
    }
    if (general.length) {
      await parquetRead({
        file: source,
        metadata: meta,
        columns: general,
        utf8: false,
        parsers: {
          timestampFromMilliseconds: (v: bigint) => Number(v),
          timestampFromMicroseconds: (v: bigint) => Math.round(Number(v) / 1e3),
          timestampFromNanoseconds: (v: bigint) => Math.round(Number(v) / 1e6),
          dateFromDays: (d: number) => d * 86_400_000,
        },
        onChunk({ columnName, columnData, rowStart }) {
          const out = cols.get(columnName)!;
          if (columnName === timeName) {
            for (let i = 0; i < columnData.length; i++) out[rowStart + i] = timeValue(columnData[i]);
          } else copyValues(columnData, out, rowStart);
        },
      });
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw badFile(label, e);
  }
  const time = cols.get(timeName)!;
  for (let i = 0; i < n; i++) {
    if (time[i] !== time[i]) throw new UserError(`${label} row ${i + 1}: column ${timeName} has no time`);
  }
  const frame = new Frame(time);
  for (const name of wanted) if (name !== timeName) frame.set(name, cols.get(name)!, kinds.get(name));
  return frame;
}

/** Raw INT64 timestamps of a unit → epoch ms, in place. */
function scaleTime(out: Float64Array, start: number, count: number, lt: SchemaElement['logical_type']): void {
  const unit = lt?.type === 'TIMESTAMP' ? lt.unit : 'MILLIS';
  const div = unit === 'NANOS' ? 1e6 : unit === 'MICROS' ? 1e3 : 1;
  if (div === 1) return;
  for (let i = start; i < start + count; i++) out[i] = Math.round(out[i]! / div);
}

function isNumeric(el: SchemaElement): boolean {
  if (el.type === 'BYTE_ARRAY' || el.type === 'FIXED_LEN_BYTE_ARRAY' || el.type === 'INT96') return false;
  const lt = el.logical_type?.type;
  return !lt || lt === 'INTEGER' || lt === 'FLOAT16';
}

function describeType(el: SchemaElement): string {
  if (el.logical_type?.type === 'STRING' || el.converted_type === 'UTF8' || el.type === 'BYTE_ARRAY') return 'text';
  return el.logical_type?.type?.toLowerCase() ?? el.converted_type?.toLowerCase() ?? el.type?.toLowerCase() ?? 'values';
}

/** Copies decoded values (typed array, or an array with null for missing) into out[at…] as doubles. */
function copyValues(data: ArrayLike<unknown>, out: Float64Array, at: number): void {
  if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint32Array) {
    out.set(data, at);
    return;
  }
  if (data instanceof BigInt64Array) {
    // exact for |v| < 2^53: the high word times 2^32 plus the unsigned low word
    const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
    for (let i = 0; i < data.length; i++) out[at + i] = words[2 * i + 1]! * TWO32 + (words[2 * i]! >>> 0);
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[at + i] = v === null || v === undefined ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  }
}

interface ColumnPlan {
  name: string;
  element: SchemaElement;
  values: Float64Array;
  kind: 'time' | 'double' | 'int64' | 'bool';
}

/** The column's parquet form: DOUBLE; INT64 for 'int' columns of whole numbers; BOOLEAN (nullable when it has NaN). */
function planColumn(name: string, values: Float64Array, kind: ColumnKind): ColumnPlan {
  if (kind === 'bool') {
    let missing = false;
    for (let i = 0; i < values.length && !missing; i++) missing = values[i] !== values[i];
    return { name, values, kind: 'bool', element: { name, type: 'BOOLEAN', repetition_type: missing ? 'OPTIONAL' : 'REQUIRED' } };
  }
  if (kind === 'int') {
    let whole = true;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isSafeInteger(v) || (v === 0 && 1 / v < 0)) {
        whole = false; // NaN, a fraction or -0 needs a DOUBLE column
        break;
      }
    }
    if (whole) return { name, values, kind: 'int64', element: { name, type: 'INT64', repetition_type: 'REQUIRED' } };
  }
  return { name, values, kind: 'double', element: { name, type: 'DOUBLE', repetition_type: 'REQUIRED' } };
}

/** INT64 little-endian words of v for |v| < 2^53 (v whole) or the time column (ms → ns). */
function int64Bytes(values: Float64Array, start: number, end: number, scale: number): Uint8Array {
  const words = new Int32Array((end - start) * 2);
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const v = values[i]!;
    if (scale === 1) {
      const hi = Math.floor(v / TWO32);
      words[j] = v - hi * TWO32;
      words[j + 1] = hi;
    } else if (Number.isInteger(v)) {
      // v·scale exactly: split v into 32-bit halves, each product stays below 2^53
      const vh = Math.floor(v / TWO32);
      const low = (v - vh * TWO32) * scale;
      const carry = Math.floor(low / TWO32);
      words[j] = low - carry * TWO32;
      words[j + 1] = vh * scale + carry;
    } else {
      const big = BigInt.asIntN(64, BigInt(Math.round(v * scale)));
      words[j] = Number(big & 0xffffffffn);
      words[j + 1] = Number(big >> 32n);
    }
  }
  return new Uint8Array(words.buffer);
}

/** A bool column's PLAIN bits (values that are not NaN, LSB first) and, when nullable, its RLE definition levels. */
function boolBytes(values: Float64Array, start: number, end: number, nullable: boolean): { levels?: Uint8Array; bits: Uint8Array } {
  const bits = new Uint8Array(Math.ceil((end - start) / 8));
  let k = 0;
  const runs: number[] = [];
  let runValue = -1;
  let runLength = 0;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    const present = v === v ? 1 : 0;
    if (present) {
      if (v) bits[k >> 3]! |= 1 << (k & 7);
      k++;
    }
    if (present === runValue) runLength++;
    else {
      if (runLength) runs.push(runValue, runLength);
      runValue = present;
      runLength = 1;
    }
  }
  if (runLength) runs.push(runValue, runLength);
  const out = { bits: bits.subarray(0, Math.ceil(k / 8)) };
  if (!nullable) return out;
  // RLE runs of bit width 1: varint(length << 1), then the level in one byte; 4-byte length first
  const w = new ByteWriter();
  w.appendUint32(0);
  for (let r = 0; r < runs.length; r += 2) {
    w.appendVarInt(runs[r + 1]! * 2);
    w.appendUint8(runs[r]!);
  }
  const levels = w.getBytes();
  new DataView(levels.buffer, levels.byteOffset).setUint32(0, levels.length - 4, true);
  return { ...out, levels };
}

/**
 * Writes a frame as parquet, atomically, streaming each column's bytes to the file: the time
 * column first (as pandas writes a UTC datetime column), then the columns in order.
 */
export function writeParquet(file: string, frame: Frame, options: WriteCsvOptions = {}): void {
  const names = options.columns ?? frame.columnNames();
  const timeName = options.timeColumn ?? 'timestamp';
  const plans: ColumnPlan[] = [
    { name: timeName, values: frame.time, kind: 'time', element: { name: timeName, type: 'INT64', repetition_type: 'REQUIRED', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } } },
    ...names.map((n) => planColumn(n, frame.get(n), frame.kind(n))),
  ];
  const n = frame.length;
  const out = openAtomic(file, { durable: options.durable });
  try {
    let offset = 0;
    const put = (bytes: Uint8Array) => {
      out.write(bytes);
      offset += bytes.length;
    };
    put(MAGIC);
    const rowGroups: FileMetaData['row_groups'] = [];
    for (let start = 0; start < n || (n === 0 && start === 0); start += ROW_GROUP) {
      const end = Math.min(n, start + ROW_GROUP);
      const groupStart = offset;
      const columns: ColumnChunk[] = [];
      for (const p of plans) {
        let data: Uint8Array;
        let levels: Uint8Array | undefined;
        if (p.kind === 'double') data = new Uint8Array(p.values.buffer, p.values.byteOffset + start * 8, (end - start) * 8);
        else if (p.kind === 'int64') data = int64Bytes(p.values, start, end, 1);
        else if (p.kind === 'time') data = int64Bytes(p.values, start, end, 1e6);
        else ({ bits: data, levels } = boolBytes(p.values, start, end, p.element.repetition_type === 'OPTIONAL'));
        const pageSize = data.length + (levels?.length ?? 0);
        const head = new ByteWriter(64);
        writePageHeader(head, {
          type: 'DATA_PAGE',
          uncompressed_page_size: pageSize,
          compressed_page_size: pageSize,
          data_page_header: { num_values: end - start, encoding: 'PLAIN', definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
        });
        const columnStart = offset;
        put(head.getBytes());
        if (levels) put(levels);
        put(data);
        const size = BigInt(offset - columnStart);
        columns.push({
          file_offset: BigInt(columnStart),
          meta_data: {
            type: p.element.type!,
            encodings: levels ? ['PLAIN', 'RLE'] : ['PLAIN'],
            path_in_schema: [p.name],
            codec: 'UNCOMPRESSED',
            num_values: BigInt(end - start),
            total_uncompressed_size: size,
            total_compressed_size: size,
            data_page_offset: BigInt(columnStart),
          },
        });
      }
      const bytes = BigInt(offset - groupStart);
      rowGroups.push({ columns, total_byte_size: bytes, num_rows: BigInt(end - start), file_offset: BigInt(groupStart), total_compressed_size: bytes });
      if (n === 0) break;
    }
    const footer = new ByteWriter(4096);
    writeMetadata(footer, {
      version: 2,
      schema: [{ name: 'schema', num_children: plans.length }, ...plans.map((p) => p.element)],
      num_rows: BigInt(n),
      row_groups: rowGroups,
      created_by: 'itb-ts (hyparquet-writer encoders)',
      metadata_length: 0,
    });
    put(footer.getBytes());
    put(MAGIC);
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
}
