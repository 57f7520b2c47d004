import fs from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import { writeFileAtomic } from './atomic.ts';

/** lowdb adapter whose writes are atomic (temp file, fsync, rename) and serialised. */
class AtomicJsonFile<T> {
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly file: string) {}

  async read(): Promise<T | null> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as T;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') return null;
      if (e instanceof SyntaxError) {
        // Never lose a damaged state file: keep it aside and start from defaults.
        fs.renameSync(this.file, `${this.file}.damaged-${Date.now()}`);
        return null;
      }
      throw e;
    }
  }

  write(data: T): Promise<void> {
    const text = JSON.stringify(data, null, 1);
    this.chain = this.chain.then(() => writeFileAtomic(this.file, text));
    return this.chain;
  }
}

/**
 * A small JSON state file (subscribers, settings, outbox, trader state, audit) on lowdb.
 * Not for per-minute history: use append-only files for that.
 */
export async function openJsonStore<T extends object>(file: string, defaults: T): Promise<Low<T>> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Low<T>(new AtomicJsonFile<T>(file), structuredClone(defaults));
  await db.read();
  db.data = { ...structuredClone(defaults), ...(db.data ?? {}) } as T;
  return db;
}
