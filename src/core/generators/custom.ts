import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../errors.ts';
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

const PROJECT_ROOT = path.resolve(new URL('../../..', import.meta.url).pathname);
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Loaded modules by generator name; `preloadGenerators` fills it for synchronous callers. */
const loaded = new Map<string, CustomGenerator>();

export function isCustomGeneratorName(name: string): boolean {
  return name.includes(':');
}

/**
 * Where a generator's module file can be: "path/file.ts:fn" is a path; "a.b.c:fn" (the
 * original's Python module path) is the file a/b/c.ts (or .js). Both are looked up relative
 * to the config file's folder, the working folder, the project root and the project's
 * `examples/` folder, in that order.
 */
export function moduleCandidates(moduleSpec: string, configDir?: string): string[] {
  const bases = [configDir, process.cwd(), PROJECT_ROOT, path.join(PROJECT_ROOT, 'examples')].filter((b): b is string => !!b);
  const isPath = moduleSpec.includes('/') || EXTENSIONS.some((e) => moduleSpec.endsWith(e)) || moduleSpec.startsWith('.');
  const rel = isPath ? moduleSpec : moduleSpec.split('.').join('/');
  const files: string[] = [];
  for (const b of path.isAbsolute(rel) ? [''] : bases) {
    const p = path.resolve(b, rel);
    if (EXTENSIONS.some((e) => p.endsWith(e))) files.push(p);
    else for (const e of EXTENSIONS) files.push(p + e, path.join(p, `index${e}`));
  }
  return [...new Set(files)];
}

/**
 * Imports a user's module file. A TypeScript file that this process cannot load by itself (the
 * bundled CLI runs without tsx's loader) is bundled to JavaScript first, or loaded through tsx.
 */
export async function importModuleFile(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    // bin/build.mjs bundles it (cached until a file it imports changes); else tsx loads it
    const build = (await import(new URL('../../../bin/build.mjs', import.meta.url).href)) as { bundledModule(f: string): Promise<string | null> };
    const bundled = await build.bundledModule(file);
    if (bundled) return (await import(pathToFileURL(bundled).href)) as Record<string, unknown>;
    const { register } = await import('tsx/esm/api');
    register();
    return (await import(`${url}?ts`)) as Record<string, unknown>; // a new URL: the failed load stays cached
  }
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Imports a custom generator function (cached). */
export async function loadCustomGenerator(name: string, where: string, configDir?: string): Promise<CustomGenerator> {
  const key = `${configDir ?? ''}|${name}`;
  const hit = loaded.get(key);
  if (hit) return hit;
  const cut = name.lastIndexOf(':');
  const moduleSpec = name.slice(0, cut);
  const fnName = name.slice(cut + 1);
  const candidates = moduleCandidates(moduleSpec, configDir);
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new UserError(`${where}.generator: "${name}" is not a built-in generator and no module file was found for "${moduleSpec}" (looked for ${path.relative(process.cwd(), candidates[0]!) || candidates[0]} and ${candidates.length - 1} other places)`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importModuleFile(file);
  } catch (e) {
    throw new UserError(`${where}.generator: the module ${file} cannot be loaded (${(e as Error).message.split('\n')[0]})`);
  }
  const fn = mod[fnName] ?? mod[camel(fnName)];
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new UserError(`${where}.generator: ${file} has no function "${fnName}" (it exports: ${exported.join(', ') || 'no functions'})`);
  }
  loaded.set(key, fn as CustomGenerator);
  return fn as CustomGenerator;
}

/** The cached function, for synchronous compilation (after `preloadGenerators`). */
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
