import fs from 'node:fs';

/** How long a pause point holds the process before going on (the test kills it well before). */
const PAUSE_MS = 60_000;

/**
 * Test-only pause points for kill -9 tests: with `ITB_PAUSE_AT=<name>` in the environment, a
 * process reaching `pausePoint(name)` writes the name to `ITB_PAUSE_FILE` and blocks there, so
 * that a test can kill it at exactly that moment. Without the variable it does nothing.
 */
export function pausePoint(name: string): void {
  if (process.env.ITB_PAUSE_AT !== name) return;
  const file = process.env.ITB_PAUSE_FILE;
  if (file) fs.writeFileSync(file, name);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
}
