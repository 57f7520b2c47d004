import type { Config } from '../../config/schema.ts';
import { UserError } from '../../shared/errors.ts';
import { Frame } from '../frame.ts';
import type { ConfigReader } from './configReader.ts';
import type { CompileContext, FrameProgram } from './program.ts';

/**
 * A custom generator, the same contract as the original's `module:function` generators:
 * it receives the table (column_prefix already stripped), its own `config` object and the
 * whole config; it adds columns to the table and returns their names (or [table, names]).
 * It must not read rows after the one it computes (the online stream runs it on a short tail).
 */
export type CustomGenerator = (
  frame: Frame,
  config: Record<string, unknown>,
  globalConfig: Config,
) => string[] | [Frame, string[]] | Promise<string[] | [Frame, string[]]>;

/** Custom generators handed in by the loader (storage/userModules.ts), by config folder and name. */
const loaded = new Map<string, CustomGenerator>();

export function isCustomGeneratorName(name: string): boolean {
  return name.includes(':');
}

/** Makes a loaded custom generator available to compilation (the batch runs and the streams). */
export function registerCustomGenerator(name: string, configDir: string | undefined, fn: CustomGenerator): void {
  loaded.set(`${configDir ?? ''}|${name}`, fn);
}

/** The function registered for a name, if any. */
export function loadedCustomGenerator(name: string, configDir?: string): CustomGenerator | undefined {
  return loaded.get(`${configDir ?? ''}|${name}`);
}

/** Runs a custom generator and checks what it returns. */
export function customProgram(fn: CustomGenerator, name: string, cfg: ConfigReader, ctx: CompileContext): FrameProgram {
  const where = ctx.where;
  const settle = (frame: Frame, r: string[] | [Frame, string[]]): string[] => {
    let names: unknown = r;
    let out = frame;
    if (Array.isArray(r) && r.length === 2 && r[0] instanceof Frame) {
      out = r[0];
      names = r[1];
    }
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new UserError(`${where}: the custom generator "${name}" must return the list of column names it added`);
    }
    for (const n of names as string[]) {
      if (!out.has(n)) throw new UserError(`${where}: the custom generator "${name}" returned column "${n}" but did not add it`);
      if (out !== frame) frame.set(n, out.get(n), out.kind(n));
    }
    return names as string[];
  };
  return {
    type: 'frame',
    streamable: true,
    run(frame) {
      let r: ReturnType<CustomGenerator>;
      try {
        r = fn(frame, cfg.raw, ctx.config);
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`${where}: the custom generator "${name}" failed: ${(e as Error).message}`);
      }
      if (r instanceof Promise) {
        return r.then(
          (v) => settle(frame, v),
          (e: Error) => {
            throw e instanceof UserError ? e : new UserError(`${where}: the custom generator "${name}" failed: ${e.message}`);
          },
        );
      }
      return settle(frame, r);
    },
  };
}
