// Worker entry: the bundle of src/ that bin/build.mjs keeps up to date (as the CLI runs), or, without
// it, the TypeScript worker through tsx (worker threads do not inherit the parent's loader).
import { importEntry } from '../../bin/build.mjs';

await importEntry('trainWorker', new URL('./trainWorker.ts', import.meta.url).href);
