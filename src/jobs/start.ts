import { NotBuiltError } from '../core/errors.ts';
import type { JobContext } from './context.ts';

export async function run(_ctx: JobContext): Promise<number> {
  throw new NotBuiltError('npm start (the embedded default)');
}
