import fs from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import { log } from '../log.ts';
import { writeFileAtomic } from './atomic.ts';

/** What opening a state file found wrong, and what was done about it. */
export interface StateFileRecovery {
  file: string;
  /** True: nothing readable was left and the store starts from its defaults. */
  defaults: boolean;
  /** Where the damaged file (and a damaged last good copy) were moved. */
  damagedCopies: string[];
  /** One sentence for the log and the admins. */
  message: string;
}

export type StateFileReport = (r: StateFileRecovery) => void;

/** The last good copy of a state file, written before each replace of the file itself. */
export const lastGoodCopyOf = (file: string) => `${file}.bak`;

/** Logs a recovery on the process logger: an error when defaults replaced the data, else a warning. */
export const logRecovery: StateFileReport = (r) => (r.defaults ? log().error(r.message) : log().warn(r.message));

type Parsed<T> = { ok: true; data: T } | { ok: false; missing: boolean };

function parseFile<T>(file: string): Parsed<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true };
    throw e;
  }
  try {
    const data = JSON.parse(text) as unknown;
    // A state document is an object: anything else is a damaged file that happens to parse.
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) return { ok: true, data: data as T };
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  return { ok: false, missing: false };
}

/** Moves a damaged file aside (never deleted) and returns where it went. */
function keepAside(file: string): string {
  const aside = `${file}.damaged-${Date.now()}`;
  fs.renameSync(file, aside);
  return aside;
}

/**
 * lowdb adapter whose writes are atomic (temp file, fsync, rename) and serialised. Each write
 * first replaces the last good copy `<file>.bak`, then the file: a file found damaged (cut short
 * by a disk, edited by hand) is restored from that copy; when the copy is damaged too the store
 * starts from its defaults and `report` says so. Damaged files are moved aside, never deleted.
 */
class AtomicJsonFile<T> {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly file: string,
    private readonly report: StateFileReport,
  ) {}

  async read(): Promise<T | null> {
    const main = parseFile<T>(this.file);
    if (main.ok) return main.data;
    const backup = lastGoodCopyOf(this.file);
    const copy = parseFile<T>(backup);
    if (main.missing && !copy.ok && copy.missing) return null; // a first start
    const damagedCopies = main.missing ? [] : [keepAside(this.file)];
    const what = main.missing ? 'was missing' : `was damaged (kept as ${damagedCopies[0]})`;
    if (copy.ok) {
      writeFileAtomic(this.file, JSON.stringify(copy.data, null, 1));
      this.report({ file: this.file, defaults: false, damagedCopies, message: `state file ${this.file} ${what}; restored from its last good copy ${backup}` });
      return copy.data;
    }
    if (!copy.missing) damagedCopies.push(keepAside(backup));
    const lastGood = copy.missing ? `its last good copy ${backup} is missing` : `its last good copy was damaged too (kept as ${damagedCopies.at(-1)})`;
    this.report({ file: this.file, defaults: true, damagedCopies, message: `state file ${this.file} ${what} and ${lastGood}: starting from defaults` });
    return null;
  }

  write(data: T): Promise<void> {
    const text = JSON.stringify(data, null, 1);
    this.chain = this.chain.then(() => {
      writeFileAtomic(lastGoodCopyOf(this.file), text);
      writeFileAtomic(this.file, text);
    });
    return this.chain;
  }
}

/**
 * A small JSON state file (subscribers, settings, trader state, service state) on lowdb, with a
 * last good copy beside it (see AtomicJsonFile). Not for per-minute history: use append-only
 * files for that. `report` hears of a damaged file (default: a log line).
 */
export async function openJsonStore<T extends object>(file: string, defaults: T, report: StateFileReport = logRecovery): Promise<Low<T>> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Low<T>(new AtomicJsonFile<T>(file, report), structuredClone(defaults));
  await db.read();
  db.data = { ...structuredClone(defaults), ...(db.data ?? {}) } as T;
  return db;
}
