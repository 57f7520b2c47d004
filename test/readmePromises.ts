import fs from 'node:fs';
import path from 'node:path';

/**
 * The README's "Promises: what survives what" section as one line of text (list items joined,
 * runs of whitespace as one space), so a test can check that a promise it proves is written there.
 */
export function readmePromises(): string {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
  const start = readme.indexOf('\n## Promises: what survives what\n');
  if (start < 0) throw new Error('README.md has no "## Promises: what survives what" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end).replace(/\s+/g, ' ');
}
