// Worker entry: registers tsx's TypeScript loader in this thread, then runs trainWorker.ts.
// (Node 20 does not carry `--import tsx` into worker threads.)
import { register } from 'tsx/esm/api';

register();
await import('./trainWorker.ts');
