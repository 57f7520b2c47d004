// Worker entry: the bundle of src/ that bin/build.mjs keeps up to date (as the CLI runs), or, without
// it, the TypeScript worker through tsx (worker threads do not inherit the parent's loader).
import { pathToFileURL } from 'node:url';
import { bundledEntry } from '../../bin/build.mjs';

const bundled = await bundledEntry('trainWorker');
if (bundled) await import(pathToFileURL(bundled).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./trainWorker.ts');
}
