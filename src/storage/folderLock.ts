import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { processRunning } from './atomic.ts';

/** Who holds a folder: the content of its lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder started. */
  started: string;
  /** What it is (`itb serve`, `npm start`). */
  command: string;
  /** Linux: the kernel's boot id and the process's start (clock ticks since boot), to tell a reused pid apart. */
  boot?: string;
  procStart?: number;
  token: string;
}

export const LOCK_FILE = 'service.lock';

/** Locks this process holds, by file, with how many times each was taken (start → serve take the same one). */
const held = new Map<string, { holder: LockHolder; count: number }>();
let exitHookInstalled = false;

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** Start time of a process in clock ticks since boot (Linux /proc), undefined elsewhere. */
function procStart(pid: number): number | undefined {
  const stat = (() => {
    try {
      return readText(`/proc/${pid}/stat`);
    } catch {
      return null;
    }
  })();
  if (!stat) return undefined;
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** Whether the holder (on this host) is still running: its pid is alive and, where /proc tells, is the same process. */
function holderRunning(h: LockHolder): boolean {
  if (h.pid === process.pid) return false; // not held in this process (checked before): a pid reused after a restart
  if (!processRunning(h.pid)) return false;
  if (h.boot && h.boot !== bootId()) return false;
  const start = procStart(h.pid);
  return h.procStart === undefined || start === undefined || start === h.procStart;
}

function parseHolder(text: string | null): LockHolder | null {
  if (!text) return null;
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

const describeHolder = (h: LockHolder) => `${h.command || 'itb'} (pid ${h.pid} on host ${h.host}, started ${h.started.slice(0, 19).replace('T', ' ')} UTC)`;

/** A held lock; `release()` removes the file once the last taker in this process let go. */
export interface FolderLock {
  file: string;
  release(): void;
}

/**
 * One service per folder: creates `<folder>/service.lock` holding pid, host and start time
 * (written whole, then linked into place, so it is never seen half-written). A lock whose holder
 * died (a crash, kill -9, a reboot) is taken over with a log line; a live holder, or one on
 * another host (whose process cannot be checked from here), makes this throw one sentence naming
 * it. Taking a lock this process already holds just counts.
 */
export function lockFolder(folder: string, opts: { command: string; log?: Logger }): FolderLock {
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(path.resolve(folder), LOCK_FILE);
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return handle(file);
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: opts.command,
    boot: bootId(),
    procStart: procStart(process.pid),
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(holder, null, 1) + '\n';
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  try {
    for (let attempt = 0; ; attempt++) {
      if (place(tmp, file, text)) break;
      if (attempt > 40) throw new UserError(`could not take the lock ${file}: other processes keep changing it`);
      const found = readText(file);
      if (found === null) continue; // released meanwhile
      const other = parseHolder(found);
      if (!other && attempt < 20) {
        // Being written by a process on a file system without hard links: give it a moment.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      if (other && other.host !== holder.host) {
        throw new UserError(`${folder} is in use by ${describeHolder(other)}; this host cannot tell whether it still runs: if it does not, delete ${file}`);
      }
      if (other && holderRunning(other)) {
        throw new UserError(`${folder} is in use by ${describeHolder(other)}: stop it first, or give this one its own data_folder`);
      }
      takeOver(file, other);
      opts.log?.warn(`took over the lock ${file} from ${other ? describeHolder(other) : 'an unreadable lock file'}, which is no longer running`);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  held.set(file, { holder, count: 1 });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const f of held.keys()) removeIfMine(f);
    });
  }
  return handle(file);
}

/** Puts the lock file in place unless one exists: a hard link (atomic, whole), else an exclusive create. */
function place(tmp: string, file: string, text: string): boolean {
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
  }
  try {
    fs.writeFileSync(file, text, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Moves a dead holder's lock aside. Two processes may both find it dead: only one rename gets
 * it; a rename that caught a lock someone else had placed in the meantime gives it back.
 */
function takeOver(file: string, dead: LockHolder | null): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = parseHolder(readText(aside));
  if (dead && moved && moved.token !== dead.token) {
    try {
      fs.linkSync(aside, file);
    } catch {
      /* a third process placed its own: it holds the lock */
    }
  }
  fs.rmSync(aside, { force: true });
}

function removeIfMine(file: string): void {
  const mine = held.get(file);
  held.delete(file);
  if (mine && parseHolder(readText(file))?.token === mine.holder.token) fs.rmSync(file, { force: true });
}

function handle(file: string): FolderLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      const mine = held.get(file);
      if (mine && --mine.count === 0) removeIfMine(file);
    },
  };
}
