import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { Frame, type ColumnKind } from '../core/frame.ts';
import { UserError } from '../shared/errors.ts';
import { DAY, epochToMs } from '../core/time.ts';
import { openAtomic } from './atomic.ts';
import { NUMBER_ROOM, putFixed, putShortest, scanEnd, scanFloatText, scanNumber } from './numberText.ts';

export interface ReadCsvOptions {
  /** Name of the time column; by default `timestamp`, else `open_time`, else `time`/`date`. */
  timeColumn?: string;
  /** Read only these columns (plus the time column); others are skipped cheaply. */
  columns?: string[];
  /** Read only those of these columns that the file has (plus the time column). */
  only?: string[];
  /** The file has no header line: these are its column names (e.g. Binance's dump files). */
  header?: string[];
  /** Plain files from this many bytes on are read by two threads (default 24 MiB; tests set less). */
  twoThreadsFrom?: number;
}

export interface WriteCsvOptions {
  /** Header name of the time column (default `timestamp`). */
  timeColumn?: string;
  /** Decimal places for float columns (`%.6f` like the original); default: full precision. */
  decimals?: number;
  /** Only these columns, in this order. */
  columns?: string[];
  /** false: no fsync before the atomic rename (a stage's output, which the stage can make again). */
  durable?: boolean;
  /** Tables from this many cells (rows × columns) on are written by two threads (tests set less). */
  twoThreadsFrom?: number;
}


/** Reads a whole file, transparently un-gzipping `.gz` files (or any gzip content). */
export function readFileMaybeGz(file: string): Buffer {
  const fd = openToRead(file);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return zlib.gunzipSync(buf);
    } catch (e) {
      const why = (e as Error).message.replace(/\.$/, '');
      throw new UserError(`${path.basename(file)} is not a whole gzip file (${why}); it may be truncated: download or write it again`);
    }
  }
  return buf;
}

/** Opens a file to read; a missing one is a UserError naming it. */
export function openToRead(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`file ${file} does not exist`);
    throw e;
  }
}

/** Resolves `name` to an existing file, also trying `name.gz` (sample data ships gzipped). */
export function resolveDataFile(file: string): string {
  if (fs.existsSync(file)) return file;
  if (fs.existsSync(`${file}.gz`)) return `${file}.gz`;
  return file;
}

function slowNumber(buf: Buffer, s: number, e: number): number | 'bool1' | 'bool0' | null {
  const text = buf.toString('latin1', s, e).trim();
  if (text === '') return NaN;
  const low = text.toLowerCase();
  if (low === 'true') return 'bool1';
  if (low === 'false') return 'bool0';
  if (low === 'nan' || low === 'none' || low === 'null' || low === 'na' || low === '<na>') return NaN;
  if (low === 'inf' || low === '+inf' || low === 'infinity') return Infinity;
  if (low === '-inf' || low === '-infinity') return -Infinity;
  const v = Number(text);
  return Number.isNaN(v) ? null : v;
}

/** Parses a number in buf[s, e) (Number()'s value), `True`/`False`, or a missing value; null when it is none of them. */
function fastNumber(buf: Buffer, s: number, e: number): number | 'bool1' | 'bool0' | null {
  if (s < e) {
    const v = scanNumber(buf, s, e);
    if (scanEnd === e) return v;
    // the original's booleans, as pandas writes them
    if (e - s === 4 && buf[s] === 84 && buf[s + 1] === 114 && buf[s + 2] === 117 && buf[s + 3] === 101) return 'bool1';
    if (e - s === 5 && buf[s] === 70 && buf[s + 1] === 97 && buf[s + 2] === 108 && buf[s + 3] === 115 && buf[s + 4] === 101) return 'bool0';
  }
  return slowNumber(buf, s, e);
}

/** Two decimal digits at i as a number; -1000 when they are not digits (fails every range check). */
function two(buf: Buffer, i: number): number {
  const a = buf[i]! - 48;
  const b = buf[i + 1]! - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1000;
}

/** `YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|±HH:MM]` or an epoch number → ms; NaN if neither. */
function parseTimeCell(buf: Buffer, s: number, e: number): number {
  const len = e - s;
  if (len >= 10 && buf[s + 4] === 45 && buf[s + 7] === 45) {
    const y = two(buf, s) * 100 + two(buf, s + 2);
    const mo = two(buf, s + 5);
    const d = two(buf, s + 8);
    let h = 0;
    let mi = 0;
    let sec = 0;
    let ms = 0;
    let i = s + 10;
    if (i < e && (buf[i] === 32 || buf[i] === 84)) {
      h = two(buf, i + 1);
      mi = two(buf, i + 4);
      i += 6;
      if (i < e && buf[i] === 58) {
        sec = two(buf, i + 1);
        i += 3;
        if (i < e && buf[i] === 46) {
          i++;
          let scale = 100;
          while (i < e && buf[i]! >= 48 && buf[i]! <= 57) {
            ms += (buf[i]! - 48) * scale;
            scale /= 10;
            i++;
          }
          ms = Math.round(ms);
        }
      }
    }
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NaN;
    let t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    if (i < e) {
      const z = buf[i];
      if (z === 90) i++;
      else if (z === 43 || z === 45) {
        const sign = z === 45 ? -1 : 1;
        const zh = two(buf, i + 1);
        const zm = buf[i + 3] === 58 ? two(buf, i + 4) : two(buf, i + 3);
        t -= sign * (zh * 3_600_000 + zm * 60_000);
        i = e;
      }
    }
    if (i !== e || Number.isNaN(t)) return NaN;
    return t;
  }
  const v = fastNumber(buf, s, e);
  return typeof v === 'number' && Number.isFinite(v) ? epochToMs(v) : NaN;
}

function splitHeader(line: string): string[] {
  return line.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
}

export function pickTimeColumn(header: string[], wanted?: string): number {
  if (wanted) return header.indexOf(wanted);
  for (const name of ['timestamp', 'open_time', 'time', 'date', 'Date', 'datetime']) {
    const i = header.indexOf(name);
    if (i >= 0) return i;
  }
  return -1;
}

/**
 * Reads a CSV (or CSV.gz) with a header row into a Frame. Numbers are parsed exactly;
 * empty cells, `nan` and `None` are NaN; `True`/`False` make a boolean column. A cell that
 * is not a number stops the read with the file's line number and the column's name. A plain
 * file is read in chunks, so its text is never in memory whole; from TWO_THREADS_FROM bytes on,
 * its second part by the helper thread meanwhile (csvHelper), with the same values and messages.
 */
export function readCsv(file: string, options: ReadCsvOptions = {}): Frame {
  const label = path.basename(file);
  const fd = openToRead(file);
  try {
    const size = fs.fstatSync(fd).size;
    let chunk = Buffer.allocUnsafe(Math.min(size, CHUNK) || 1);
    let have = fs.readSync(fd, chunk, 0, chunk.length, 0);
    if (have >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) return parseCsv(readFileMaybeGz(file), label, options);
    // headerEnd: the newline ending the header line; before the first byte (or a BOM) when the
    // names come from the options and every line is data
    const named = options.header !== undefined;
    let headerEnd = named ? (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 2 : -1) : chunk.indexOf(10);
    const two = size >= (options.twoThreadsFrom ?? TWO_THREADS_FROM) && (named || headerEnd > 0) && twoThreadsAllowed() && csvHelper() !== null;
    // this thread's share of the bytes: more while the helper is still starting (50-100 ms)
    const share = two && Atomics.load(helper!.flags, 0) === 1 ? 0.5 : 0.56;
    const split = two ? lineStartNear(fd, headerEnd + 1 + Math.floor((size - headerEnd - 1) * share), size) : -1;
    if (split < 0 && have === size) return parseCsv(chunk.subarray(0, have), label, options);
    // The header, then whole lines chunk by chunk; a line cut by the chunk's end starts the next.
    while (!named && headerEnd < 0 && have < size) {
      const bigger = Buffer.allocUnsafe(chunk.length * 2);
      chunk.copy(bigger, 0, 0, have);
      chunk = bigger;
      have += fs.readSync(fd, chunk, have, chunk.length - have, have);
      headerEnd = chunk.indexOf(10);
    }
    const parser = csvParser(chunk, named || headerEnd >= 0 ? headerEnd : have, label, options, size);
    const from = named || headerEnd >= 0 ? headerEnd + 1 : have;
    if (split < 0) {
      feedLines(fd, file, parser, chunk, have, 0, from, size);
      return parser.finish();
    }
    // Two threads: the lines from `split` on are read by the helper thread meanwhile.
    const h = helper!;
    const id = h.nextId++;
    h.port.postMessage({ task: 'read', id, file, from: split, to: size, header: parser.header, options: { timeColumn: options.timeColumn, columns: options.columns, only: options.only } });
    feedLines(fd, file, parser, chunk, Math.min(have, split), 0, from, split);
    const answer = helperAnswer(h, id, true);
    if (answer) csvThreads.parts++;
    if (answer?.error !== undefined) {
      const lines = parser.lineCount();
      const message = answer.error.replace(/\u0001(\d+)\u0001/g, (_, n: string) => String(lines + Number(n)));
      throw answer.user ? new UserError(message) : new Error(message);
    }
    if (answer?.part) parser.append(answer.part);
    else feedLines(fd, file, parser, chunk, 0, split, split, size); // the helper did not run: this thread reads the rest
    return parser.finish();
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Feeds the whole lines of the file's bytes [pos, limit) to the parser, chunk by chunk; chunk
 * holds the file's bytes [chunkPos, chunkPos + have) already (have may be 0), pos is in them or
 * at their end, and limit is the file's size or the start of a line.
 */
function feedLines(fd: number, file: string, parser: CsvParser, chunk: Buffer, have: number, chunkPos: number, pos: number, limit: number): void {
  let filePos = chunkPos + have;
  let from = pos - chunkPos;
  for (;;) {
    const atEnd = filePos >= limit;
    if (have > from) {
      const last = atEnd ? have - 1 : chunk.lastIndexOf(10, have - 1);
      if (last >= from) {
        parser.lines(chunk, from, atEnd ? have : last + 1);
        from = last + 1;
      }
    }
    if (atEnd) return;
    const rest = have - from;
    if (rest * 2 > chunk.length) {
      const bigger = Buffer.allocUnsafe(chunk.length * 2);
      chunk.copy(bigger, 0, from, have);
      chunk = bigger;
    } else if (rest > 0) chunk.copy(chunk, 0, from, have);
    const got = fs.readSync(fd, chunk, rest, Math.min(chunk.length - rest, limit - filePos), filePos);
    if (got <= 0) throw new Error(`${file} changed while it was read`);
    filePos += got;
    have = rest + got;
    from = 0;
  }
}


/** Plain CSV files from this size on are read by two threads (a half each, see readCsvPart). */
const TWO_THREADS_FROM = 24 << 20;

/** Two threads when there are two cores, unless ITB_CSV_THREADS=1. */
function twoThreadsAllowed(): boolean {
  return process.env.ITB_CSV_THREADS !== '1' && (os.availableParallelism?.() ?? os.cpus().length) >= 2;
}

/** The start of the first line after the file's byte `at`; -1 when there is none before the end. */
function lineStartNear(fd: number, at: number, size: number): number {
  const look = Buffer.allocUnsafe(1 << 16);
  for (let pos = at; pos < size; pos += look.length) {
    const got = fs.readSync(fd, look, 0, look.length, pos);
    if (got <= 0) return -1;
    const nl = look.subarray(0, got).indexOf(10);
    if (nl >= 0) return pos + nl + 1 < size ? pos + nl + 1 : -1;
  }
  return -1;
}

/** The columns of a part of a CSV file read by another thread (see csvParser's append). */
interface CsvPart {
  rows: number;
  time: Float64Array;
  data: (Float64Array | null)[];
  kinds: ('unknown' | ColumnKind)[];
}

/**
 * Reads the lines of the file's bytes [from, to) (from is a line's start) with the given header,
 * as readCsv would; line numbers in error messages are marked \u0001n\u0001 (n counted from the
 * part's first line) for the caller to make them the file's.
 */
export function readCsvPart(file: string, from: number, to: number, header: string[], options: ReadCsvOptions, beat: () => void): CsvPart {
  const fd = openToRead(file);
  try {
    const chunk = Buffer.allocUnsafe(Math.min(to - from, CHUNK) || 1);
    const have = fs.readSync(fd, chunk, 0, chunk.length, from);
    const parser = csvParser(chunk.subarray(0, have), -1, path.basename(file), { ...options, header }, to - from, (n) => `\u0001${n}\u0001`, beat);
    feedLines(fd, file, parser, chunk, have, from, from, to);
    return parser.part();
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes read at a time by readCsv. */
const CHUNK = 8 << 20;

/** Parses CSV bytes (see readCsv); `label` names the source in error messages. */
export function parseCsv(buf: Buffer, label: string, options: ReadCsvOptions = {}): Frame {
  let start = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  // headerEnd: the newline ending the header (start - 1 when the names come from the options)
  let headerEnd = options.header ? start - 1 : buf.indexOf(10, start);
  if (headerEnd < 0 && !options.header) headerEnd = buf.length;
  const parser = csvParser(buf, headerEnd, label, options, buf.length);
  if (headerEnd + 1 < buf.length) parser.lines(buf, headerEnd + 1, buf.length);
  return parser.finish();
}

/** Parts of CSV files the helper thread read (or stopped at a bad line of), files two threads wrote; for the tests. */
export const csvThreads = { parts: 0, writes: 0, blocks: 0 };

/**
 * The worker thread that reads and formats CSV beside this thread: started at the first big file
 * and kept (unref'd) for the rest of the process, so later files find it running and warm. This
 * thread waits for its answers on shared flags (Atomics.wait), not on the event loop, so that
 * readCsv and writeCsv stay synchronous. Null when it cannot run: this thread then does the work.
 */
interface CsvHelper {
  worker: Worker;
  port: MessagePort;
  /** [0]: 0 starting, 1 running, 3 failed to load; [1]: beats (a chunk read, a block formatted, an
   * answer sent, the start); [2]: format requests below this id are not wanted any more. */
  flags: Int32Array;
  answers: Map<number, HelperAnswer>;
  nextId: number;
}

type HelperAnswer = { id: number; part?: CsvPart; error?: string; user?: boolean; bytes?: ArrayBuffer; length?: number };

let helper: CsvHelper | null | undefined;

/** How long this thread waits for the helper to start, or between two of its beats while it works. */
const HELPER_START_MS = 10_000;
const HELPER_STALL_MS = 10_000;

function csvHelper(): CsvHelper | null {
  if (helper !== undefined) return helper;
  try {
    const flags = new Int32Array(new SharedArrayBuffer(12));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./csvWorker.mjs', import.meta.url), { workerData: { flags, port: port2 }, transferList: [port2] });
    worker.unref();
    worker.on('error', () => dropHelper());
    helper = { worker, port: port1, flags, answers: new Map(), nextId: 1 };
  } catch {
    helper = null;
  }
  return helper;
}

function dropHelper(): void {
  if (helper) {
    void helper.worker.terminate();
    helper.port.close();
  }
  helper = null;
}

/**
 * The helper's answer to request `id`; null when it does not run, or (waitStart false) has not
 * started yet: this thread then does that work itself.
 */
function helperAnswer(h: CsvHelper, id: number, waitStart: boolean): HelperAnswer | null {
  let idle = 0;
  for (;;) {
    for (let m = receiveMessageOnPort(h.port); m; m = receiveMessageOnPort(h.port)) {
      const answer = m.message as HelperAnswer;
      if (answer.id >= id) h.answers.set(answer.id, answer); // earlier ones were done here meanwhile
    }
    const got = h.answers.get(id);
    if (got) {
      h.answers.delete(id);
      return got;
    }
    const state = Atomics.load(h.flags, 0);
    if (state === 3 || helper !== h) {
      dropHelper();
      return null;
    }
    if (state === 0 && !waitStart) return null;
    const beat = Atomics.load(h.flags, 1);
    Atomics.wait(h.flags, 1, beat, 100);
    if (Atomics.load(h.flags, 1) !== beat) idle = 0;
    else if ((idle += 100) >= (state === 0 ? HELPER_START_MS : HELPER_STALL_MS)) {
      dropHelper();
      return null;
    }
  }
}

/**
 * The CSV parser: the header from buf[…headerEnd), then `lines(buf, from, to)` for runs of
 * whole lines (in one buffer or chunk after chunk), then `finish()`. Columns start at the rows
 * that `bytes` of text would hold at the first lines' length and grow when there are more.
 */
interface CsvParser {
  /** The column names. */
  header: string[];
  lines(buf: Buffer, from: number, to: number): void;
  /** Lines read so far, the header's included. */
  lineCount(): number;
  /** Adds the rows another thread read from the lines after these (see readCsvPart). */
  append(part: CsvPart): void;
  /** The columns read, to send to another thread. */
  part(): CsvPart;
  finish(): Frame;
}

function csvParser(
  first: Buffer,
  headerEnd: number,
  label: string,
  options: ReadCsvOptions,
  bytes: number,
  lineText: (n: number) => string | number = (n) => n,
  beat: () => void = () => {},
): CsvParser {
  let start = 0;
  if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) start = 3;
  const header = options.header ?? splitHeader(first.toString('utf8', start, Math.max(start, headerEnd)).replace(/\r$/, ''));
  if (header.length === 0 || (header.length === 1 && header[0] === '')) {
    throw new UserError(`${label} is empty (no header line)`);
  }
  const timeIdx = pickTimeColumn(header, options.timeColumn);
  if (timeIdx < 0) {
    throw new UserError(
      `${label} has no time column${options.timeColumn ? ` "${options.timeColumn}"` : ''} (header: ${header.join(', ')})`,
    );
  }
  const wanted = options.columns ? new Set(options.columns) : null;
  if (wanted) {
    for (const c of wanted) {
      if (!header.includes(c)) throw new UserError(`${label} has no column "${c}" (header: ${header.join(', ')})`);
    }
  }
  // Rows the text holds if its lines are as long as the first ones (exact for one whole buffer).
  let capacity: number;
  const body = headerEnd + 1;
  if (bytes === first.length) {
    capacity = 0;
    for (let p = body; p < first.length; ) {
      const nl = first.indexOf(10, p);
      const end = nl < 0 ? first.length : nl;
      if (end > p && !(end - p === 1 && first[p] === 13)) capacity++;
      p = end + 1;
    }
  } else {
    let lines = 0;
    let p = body;
    for (; lines < 1000; lines++) {
      const nl = first.indexOf(10, p);
      if (nl < 0) break;
      p = nl + 1;
    }
    capacity = Math.ceil(((bytes - body) * Math.max(lines, 1)) / Math.max(p - body, 1) * 1.02) + 16;
  }
  const ncol = header.length;
  const only = options.only ? new Set(options.only) : null;
  const keep: boolean[] = header.map((h, i) => i !== timeIdx && (!wanted || wanted.has(h)) && (!only || only.has(h)));
  const data: (Float64Array | null)[] = header.map((_, i) => (keep[i] ? new Float64Array(capacity) : null));
  const kinds: ('unknown' | ColumnKind)[] = header.map(() => 'unknown');
  let time = new Float64Array(capacity);
  let r = 0;
  let lineNo = options.header ? 0 : 1;

  const grow = (exactly?: number) => {
    capacity = exactly ?? Math.ceil(capacity * 1.25) + 1024;
    const bigger = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    time = bigger(time);
    for (let c = 0; c < ncol; c++) if (data[c]) data[c] = bigger(data[c]!);
  };

  function lines(buf: Buffer, from: number, to: number): void {
    // the parser's state in locals for the loop (closure variables are slower to reach)
    let row = r;
    let ln = lineNo;
    let tm = time;
    let cap = capacity;
    const tooFew = (p: number, end: number) => {
      let n = 1;
      for (let i = p; i < end; i++) if (buf[i] === 44) n++;
      return new UserError(`${label} line ${lineText(ln)}: expected ${ncol} values, found ${n}`);
    };
    for (let p = from; p < to; ) {
      const nl = buf.indexOf(10, p);
      let end = nl < 0 || nl >= to ? to : nl;
      ln++;
      const next = end + 1;
      if (end > p && buf[end - 1] === 13) end--;
      if (end <= p) {
        p = next;
        continue;
      }
      if (row === cap) {
        grow();
        tm = time;
        cap = capacity;
      }
      // One pass over the line: each cell is parsed where it starts; only unusual cells
      // (quotes, True/False, nan, long mantissas) take the general path.
      let pos = p;
      for (let c = 0; c < ncol; c++) {
        if (c > 0) {
          if (pos >= end) throw tooFew(p, end);
          pos++; // the comma
        }
        const col = data[c];
        let e: number;
        if (col) {
          const v = scanNumber(buf, pos, end);
          e = scanEnd;
          if (e >= 0 && (e === end || buf[e] === 44)) {
            col[row] = v;
            if (v === v) {
              const kind = kinds[c];
              if (kind === 'unknown') kinds[c] = scanFloatText || !Number.isInteger(v) ? 'float' : 'int';
              else if (kind === 'int' && (scanFloatText || !Number.isInteger(v))) kinds[c] = 'float';
            }
          } else {
            e = pos;
            while (e < end && buf[e] !== 44) e++;
            lineNo = ln;
            parseCell(buf, c, col, row, pos, e);
          }
        } else {
          e = pos;
          while (e < end && buf[e] !== 44) e++;
          if (c === timeIdx) {
            let s0 = pos;
            let e0 = e;
            if (e0 - s0 >= 2 && buf[s0] === 34 && buf[e0 - 1] === 34) {
              s0++;
              e0--;
            }
            const t = parseTimeCell(buf, s0, e0);
            if (Number.isNaN(t)) {
              throw new UserError(`${label} line ${lineText(ln)}: "${buf.toString('utf8', s0, e0)}" in column ${header[timeIdx]} is not a time`);
            }
            tm[row] = t;
          }
        }
        pos = e;
      }
      if (pos !== end) throw tooFew(p, end);
      row++;
      p = next;
    }
    r = row;
    lineNo = ln;
    beat();
  }

  function append(part: CsvPart): void {
    if (r + part.rows > capacity) grow(r + part.rows);
    time.set(part.time.subarray(0, part.rows), r);
    for (let c = 0; c < ncol; c++) {
      const col = data[c];
      if (!col) continue;
      col.set(part.data[c]!.subarray(0, part.rows), r);
      // a column's kind as one pass over all its rows would have found it
      const k = kinds[c]!;
      const k2 = part.kinds[c]!;
      if (k === 'unknown') kinds[c] = k2;
      else if (k === 'int' && k2 === 'float') kinds[c] = 'float';
    }
    r += part.rows;
  }

  /** The general path for one cell [s, e): quotes, empty, True/False, nan, any number text. */
  function parseCell(buf: Buffer, c: number, col: Float64Array, row: number, s: number, e: number): void {
    if (e - s >= 2 && buf[s] === 34 && buf[e - 1] === 34) {
      s++;
      e--;
    }
    const v = e === s ? NaN : fastNumber(buf, s, e);
    if (typeof v === 'number') {
      col[row] = v;
      if (!Number.isNaN(v) && kinds[c] !== 'float' && kinds[c] !== 'bool') {
        let whole = Number.isInteger(v);
        for (let i = s; whole && i < e; i++) whole = buf[i] !== 46 && (buf[i]! | 32) !== 101;
        kinds[c] = whole ? 'int' : 'float';
      }
    } else if (v === 'bool1' || v === 'bool0') {
      col[row] = v === 'bool1' ? 1 : 0;
      if (kinds[c] === 'unknown') kinds[c] = 'bool';
    } else {
      throw new UserError(`${label} line ${lineText(lineNo)}: "${buf.toString('utf8', s, e)}" in column ${header[c]} is not a number`);
    }
  }

  function finish(): Frame {
    const frame = new Frame(r === capacity ? time : time.subarray(0, r));
    for (let c = 0; c < ncol; c++) {
      const col = data[c];
      if (!col) continue;
      const k = kinds[c]!;
      frame.set(header[c]!, r === capacity ? col : col.subarray(0, r), k === 'unknown' ? 'float' : k);
    }
    return frame;
  }

  return {
    header,
    lines,
    lineCount: () => lineNo,
    append,
    part: () => ({ rows: r, time, data: data.slice(), kinds: kinds.slice() }),
    finish,
  };
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `formatTime` for many ascending times: the date part is formatted once per day. Times with
 * milliseconds keep them (`.mmm`), so a round trip is exact.
 */
function timeFormatter(): (t: number) => string {
  let dayStart = NaN;
  let dayText = '';
  return (t) => {
    if (!Number.isFinite(t)) return '';
    if (!(t >= dayStart && t < dayStart + DAY)) {
      dayStart = Math.floor(t / DAY) * DAY;
      dayText = `${new Date(dayStart).toISOString().slice(0, 10)} `;
    }
    const ms = t - dayStart;
    const sec = Math.floor(ms / 1000);
    const text = `${dayText}${TWO_DIGITS[Math.floor(sec / 3600)]}:${TWO_DIGITS[Math.floor(sec / 60) % 60]}:${TWO_DIGITS[sec % 60]}`;
    const frac = ms - sec * 1000;
    return frac ? `${text}.${String(Math.round(frac * 1000) / 1000).padStart(3, '0')}` : text;
  };
}

/**
 * Time cells: `YYYY-MM-DD hh:mm:ss` straight into bytes, the date part made once per day; other
 * times (with milliseconds) as timeFormatter writes them.
 */
class TimeCells {
  /** The day of the last time cell ("YYYY-MM-DD ") and its start. */
  private readonly day = Buffer.alloc(11);
  private dayStart = NaN;
  private readonly slowTime = timeFormatter();

  /** Writes the cell of t at pos (room for 32 bytes), returns the position after it. */
  put(buf: Buffer, pos: number, t: number): number {
    let ms = t - this.dayStart;
    if (!(ms >= 0 && ms < DAY) && Number.isFinite(t)) {
      this.dayStart = Math.floor(t / DAY) * DAY;
      this.day.write(`${new Date(this.dayStart).toISOString().slice(0, 10)} `, 'latin1');
      ms = t - this.dayStart;
    }
    if (!(ms % 1000 === 0)) return pos + buf.write(this.slowTime(t), pos, 'latin1');
    pos += this.day.copy(buf, pos);
    const sec = ms / 1000;
    pos = putTwo(buf, pos, Math.floor(sec / 3600));
    buf[pos++] = 58;
    pos = putTwo(buf, pos, Math.floor(sec / 60) % 60);
    buf[pos++] = 58;
    return putTwo(buf, pos, sec % 60);
  }
}

function putTwo(buf: Buffer, pos: number, x: number): number {
  buf[pos] = 48 + ((x / 10) | 0);
  buf[pos + 1] = 48 + (x % 10);
  return pos + 2;
}

const TRUE = Buffer.from('True');
const FALSE = Buffer.from('False');
/** Bytes formatted before they are handed to the file (or gzip). */
const CHUNK_OUT = 1 << 20;

/**
 * Writes a frame as CSV (gzipped when the name ends in `.gz`), atomically: the old file
 * stays whole until the new one is complete. Rows are formatted into byte chunks and written
 * (or gzipped) chunk by chunk, so no text of the whole table is ever built.
 */
export function writeCsv(file: string, frame: Frame, options: WriteCsvOptions = {}): void {
  const names = options.columns ?? frame.columnNames();
  const cols = names.map((n) => frame.get(n));
  const format: RowFormat = { bools: names.map((n) => frame.kind(n) === 'bool'), decimals: options.decimals };
  const gz = file.endsWith('.gz');
  const target = openAtomic(file, { durable: options.durable });
  try {
    const sink = gz ? (chunk: Buffer) => target.write(zlib.gzipSync(chunk, { level: 6 })) : (chunk: Buffer) => target.write(chunk);
    sink(Buffer.from([options.timeColumn ?? 'timestamp', ...names].join(',') + '\n', 'utf8'));
    const n = frame.length;
    const room = rowRoom(cols.length);
    const times = new TimeCells();
    const h = n * Math.max(cols.length, 1) >= (options.twoThreadsFrom ?? TWO_THREADS_CELLS) && twoThreadsAllowed() ? csvHelper() : null;
    if (h) {
      // Two threads: blocks of rows, every other one formatted by the helper thread meanwhile
      // (a few sent ahead); a block it has not done when it is due (still starting) is done here.
      const block = Math.max(256, Math.floor(BLOCK_OUT / room));
      const blocks = Math.ceil(n / block);
      const ids = new Map<number, number>();
      let sent = -1;
      const sendUpTo = (last: number) => {
        for (let k = sent < 0 ? 1 : sent + 2; k <= last && k < blocks; k += 2) {
          const from = k * block;
          const time = frame.time.slice(from, from + block);
          const part = cols.map((c) => c.slice(from, from + block));
          const id = h.nextId++;
          ids.set(k, id);
          h.port.postMessage({ task: 'format', id, format, time, cols: part }, [time.buffer as ArrayBuffer, ...part.map((c) => c.buffer as ArrayBuffer)]);
          sent = k;
        }
      };
      sendUpTo(5);
      const own = Buffer.allocUnsafe(Math.max(BLOCK_OUT, room));
      for (let k = 0; k < blocks; k++) {
        const from = k * block;
        const answer = k % 2 === 1 && helper === h ? helperAnswer(h, ids.get(k)!, false) : null;
        if (answer?.bytes) {
          sink(Buffer.from(answer.bytes, 0, answer.length));
          csvThreads.blocks++;
        }
        else {
          if (k % 2 === 1) Atomics.store(h.flags, 2, ids.get(k)! + 1); // the helper may skip it now
          sink(own.subarray(0, formatRows(own, 0, frame.time, cols, format, times, from, Math.min(n, from + block))));
        }
        if (k % 2 === 1 && helper === h) sendUpTo(k + 6);
      }
      csvThreads.writes++;
    } else {
      const buf = Buffer.allocUnsafe(Math.max(CHUNK_OUT, room)); // the sink writes synchronously
      const rows = Math.max(1, Math.floor(buf.length / room));
      for (let from = 0; from < n; from += rows) sink(buf.subarray(0, formatRows(buf, 0, frame.time, cols, format, times, from, Math.min(n, from + rows))));
    }
    target.commit();
  } catch (e) {
    target.abort();
    throw e;
  }
}

/** How CSV cells are written: booleans as True/False, floats with fixed decimals or shortest. */
export interface RowFormat {
  bools: boolean[];
  decimals: number | undefined;
}

/** A row takes at most this many bytes: a time cell and, per column, a comma and a number. */
function rowRoom(ncol: number): number {
  return 32 + ncol * (1 + NUMBER_ROOM) + 1;
}

/** Writes rows [from, to) at pos in buf (room for them), returns the position after them. */
function formatRows(buf: Buffer, pos: number, time: Float64Array, cols: Float64Array[], format: RowFormat, times: TimeCells, from: number, to: number): number {
  const { bools, decimals } = format;
  const ncol = cols.length;
  const fixed = decimals !== undefined;
  for (let i = from; i < to; i++) {
    pos = times.put(buf, pos, time[i]!);
    for (let c = 0; c < ncol; c++) {
      buf[pos++] = 44;
      const v = cols[c]![i]!;
      if (v !== v) continue;
      if (bools[c]) pos += (v ? TRUE : FALSE).copy(buf, pos);
      else pos = fixed ? putFixed(buf, pos, v, decimals) : putShortest(buf, pos, v);
    }
    buf[pos++] = 10;
  }
  return pos;
}

/** Rows of `cols` (a block of a table) formatted as CSV lines in a buffer of their own. */
export function formatBlock(time: Float64Array, cols: Float64Array[], format: RowFormat): Buffer {
  const buf = Buffer.allocUnsafeSlow(Math.max(1, time.length * rowRoom(cols.length)));
  return buf.subarray(0, formatRows(buf, 0, time, cols, format, new TimeCells(), 0, time.length));
}

/** Tables from this many cells on are written by two threads (rows × columns). */
const TWO_THREADS_CELLS = 2_000_000;
/** Bytes of CSV text per block of rows (at most) when two threads write. */
const BLOCK_OUT = 2 << 20;

