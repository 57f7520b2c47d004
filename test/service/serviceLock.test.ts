import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.ts';
import { LOCK_FILE, lockFolder } from '../../src/storage/folderLock.ts';
import { readmePromises } from '../readmePromises.ts';
import { escapeRe, itb, killStrays, logLines, serveRaw, trainBefore, writeConfig } from './cliService.ts';

/** The README's promise about the service lock, word for word (this file proves it; startSafety.test.ts the demo's side). */
const LOCK_PROMISE =
  '`itb serve` and `itb start` hold `service.lock` in the symbol folder (and in `service.state_folder` when it lies elsewhere) with pid, host and start time: a second one on the same folder refuses in one sentence naming the first. A lock whose process is gone (kill -9, a crash, a reboot; on Linux also a pid now used by another process) is taken over with a warning; a lock from another host is never taken over, and the sentence names the file to delete.';

/**
 * One service per data folder: a second `itb serve` on the folder of a running one refuses in one
 * sentence naming the first (pid, host, start time); a lock left by a process that died (kill -9)
 * is taken over with a log line.
 */
const START = '2025-11-29 00:00:00';
let dir: string;
let slow: string;
let short: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-lock-'));
  // Real time: the service stays up until it is stopped.
  slow = writeConfig(dir, serveRaw(dir, { start: START, end: '2025-11-30 00:00:00', speed: 1 }), 'slow.jsonc').file;
  const s = writeConfig(dir, serveRaw(dir, { start: START, end: '2025-11-29 00:05:00', speed: 0 }), 'short.jsonc');
  short = s.file;
  await trainBefore(s.config, START);
}, 120_000);

afterAll(() => {
  killStrays();
  fs.rmSync(dir, { recursive: true, force: true });
});

const symbolDir = () => path.join(dir, 'BTCUSDT');
const lockFile = () => path.join(symbolDir(), LOCK_FILE);

describe('one service per data folder', () => {
  it('a second itb serve on the same folder refuses in one sentence naming the first; the first runs on', async () => {
    const first = itb(['serve', '-c', slow]);
    await first.waitForLog(/ticks on/);
    const second = itb(['serve', '-c', short]);
    const { code } = await second.exited;
    expect(code).not.toBe(0);
    expect(second.stderr.trim()).toMatch(
      new RegExp(`^${escapeRe(symbolDir())} is in use by itb serve \\(pid ${first.child.pid} on host ${escapeRe(os.hostname())}, started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\): stop it first, or give this one its own data_folder$`),
    );
    expect(first.child.exitCode).toBeNull();

    // kill -9: the lock stays behind, naming a process that no longer runs.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: first.child.pid });
    const next = itb(['serve', '-c', short]);
    expect((await next.exited).code).toBe(0);
    expect(logLines(next.stderr)).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(new RegExp(`^took over the lock ${escapeRe(lockFile())} from itb serve \\(pid ${first.child.pid} on host .*\\), which is no longer running$`)) }),
    );
    // A service that ends frees its folder.
    expect(fs.existsSync(lockFile())).toBe(false);
    expect(readmePromises()).toContain(LOCK_PROMISE);
  }, 120_000);
});

describe('the folder lock', () => {
  const folder = () => fs.mkdtempSync(path.join(dir, 'lock-'));
  const refusal = (f: string): string => {
    try {
      lockFolder(f, { command: 'itb serve' }).release();
    } catch (e) {
      expect(isUserError(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error('the lock was taken');
  };

  it('a holder on another host is not taken over: the sentence says how to free it', () => {
    const f = folder();
    fs.writeFileSync(path.join(f, LOCK_FILE), JSON.stringify({ pid: 4242, host: 'other-host', started: '2025-12-01T10:00:00.000Z', command: 'itb serve', token: 'x' }));
    expect(refusal(f)).toBe(
      `${f} is in use by itb serve (pid 4242 on host other-host, started 2025-12-01 10:00:00 UTC); this host cannot tell whether it still runs: if it does not, delete ${path.join(f, LOCK_FILE)}`,
    );
  });

  it('a live holder on this host is refused; once it is gone, its lock is taken over', async () => {
    const f = folder();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(f, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: os.hostname(), started: '2025-12-01T10:00:00.000Z', command: 'npm start', token: 'x' }));
      expect(refusal(f)).toMatch(new RegExp(`^${escapeRe(f)} is in use by npm start \\(pid ${holder.pid} on host .*, started 2025-12-01 10:00:00 UTC\\): stop it first`));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    const lock = lockFolder(f, { command: 'itb serve' });
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'itb serve' });
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it.runIf(fs.existsSync('/proc/self/stat'))('a pid that now belongs to another process (after a restart) does not hold the lock', () => {
    const f = folder();
    // That pid is alive (the test runner), but it is not the process that wrote the lock (another start time).
    fs.writeFileSync(path.join(f, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: os.hostname(), started: '2025-12-01T10:00:00.000Z', command: 'itb serve', procStart: 1, token: 'x' }));
    const lock = lockFolder(f, { command: 'itb serve' });
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('is taken again by the process that holds it (itb start, then its service) and freed by the last release', () => {
    const f = folder();
    const a = lockFolder(f, { command: 'itb start' });
    const b = lockFolder(f, { command: 'itb start' });
    b.release();
    expect(fs.existsSync(a.file)).toBe(true);
    a.release();
    expect(fs.existsSync(a.file)).toBe(false);
  });
});
