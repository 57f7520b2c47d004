import fs from 'node:fs';
import path from 'node:path';

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/** A temporary file of writeFileAtomic / openAtomic, with the pid of the process that wrote it. */
const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Whether a process with this pid exists on this host. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files in `folder` that processes which no longer run left behind (killed
 * between creating and renaming them); returns their names. Files of running processes stay.
 */
export function removeStrayTemps(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || processRunning(pid)) continue;
    fs.rmSync(path.join(folder, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}

/** Writes a whole file so that readers see either the old or the new content, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Opens a temporary file beside `file`; `commit()` renames it over `file`, `abort()` removes it.
 * For outputs too large to build in memory at once. `durable: false` skips the fsync before the
 * rename: readers still never see a part, but a power cut may leave an empty file (for tables a
 * stage can make again, where waiting for the disk costs seconds).
 */
export function openAtomic(file: string, options: { durable?: boolean } = {}): { write(chunk: string | Uint8Array): void; commit(): void; abort(): void } {
  const durable = options.durable ?? true;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'w');
  let open = true;
  return {
    write(chunk) {
      if (typeof chunk === 'string') fs.writeSync(fd, chunk);
      else fs.writeSync(fd, chunk);
    },
    commit() {
      if (!open) return;
      open = false;
      if (durable) fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, file);
    },
    abort() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    },
  };
}

/** Appends text (side files such as features.txt, predictions.txt). */
export function appendText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, text);
}
