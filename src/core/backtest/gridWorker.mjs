// Worker entry: loads the TypeScript worker through tsx (worker threads do not inherit loaders).
import { register } from 'tsx/esm/api';

register();
await import('./gridWorker.ts');
