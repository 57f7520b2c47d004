import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config, GeneratorDef } from '../config/schema.ts';
import { UserError } from '../shared/errors.ts';
import { BUILT_IN_GENERATORS } from '../core/generators/registry.ts';
import { isCustomGeneratorName, loadedCustomGenerator, registerCustomGenerator, type CustomGenerator } from '../core/generators/custom.ts';

/**
 * The one loader of a user's code: custom generators (feature, label and signal sets) and custom
 * outputs (output_sets) are both named `"<module>:<function>"` and found, imported and checked
 * here. Core never reads a file: it is handed the loaded functions (core/generators/custom.ts).
 */

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Where a module can be: "path/file.ts" is a path; "a.b.c" (the original's Python module path)
 * is the file a/b/c.ts (or .js). Both are looked up relative to the config file's folder, the
 * working folder, the project root and the project's `examples/` folder, in that order.
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
    const build = (await import(new URL('../../bin/build.mjs', import.meta.url).href)) as { bundledModule(f: string): Promise<string | null> };
    const bundled = await build.bundledModule(file);
    if (bundled) return (await import(pathToFileURL(bundled).href)) as Record<string, unknown>;
    const { register } = await import('tsx/esm/api');
    register();
    return (await import(`${url}?ts`)) as Record<string, unknown>; // a new URL: the failed load stays cached
  }
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The function `"<module>:<function>"` names (also exported in camelCase), or a UserError that
 * starts with `where` (the config key, e.g. `feature_sets[0].generator`). `kind` says what the
 * name is not when no file is found ("generator", "output").
 */
export async function loadUserFunction(spec: string, where: string, configDir: string | undefined, kind: string): Promise<(...args: never[]) => unknown> {
  const cut = spec.lastIndexOf(':');
  const moduleSpec = spec.slice(0, cut);
  const fnName = spec.slice(cut + 1);
  const candidates = moduleCandidates(moduleSpec, configDir);
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new UserError(`${where}: "${spec}" is not a built-in ${kind} and no module file was found for "${moduleSpec}" (looked for ${path.relative(process.cwd(), candidates[0]!) || candidates[0]} and ${candidates.length - 1} other places)`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importModuleFile(file);
  } catch (e) {
    throw new UserError(`${where}: the module ${file} cannot be loaded (${(e as Error).message.split('\n')[0]})`);
  }
  const fn = mod[fnName] ?? mod[camel(fnName)];
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new UserError(`${where}: ${file} has no function "${fnName}" (it exports: ${exported.join(', ') || 'no functions'})`);
  }
  return fn as (...args: never[]) => unknown;
}

/** Loads a custom generator and hands it to core (once per config folder and name). */
export async function loadCustomGenerator(name: string, where: string, configDir?: string): Promise<CustomGenerator> {
  const hit = loadedCustomGenerator(name, configDir);
  if (hit) return hit;
  const fn = (await loadUserFunction(name, `${where}.generator`, configDir, 'generator')) as unknown as CustomGenerator;
  registerCustomGenerator(name, configDir, fn);
  return fn;
}

/** Loads the custom generators of some generator definitions (`section` names them in messages). */
export async function loadSectionGenerators(defs: GeneratorDef[], section: string, configDir?: string): Promise<void> {
  for (let i = 0; i < defs.length; i++) {
    const name = defs[i]!.generator;
    if (!BUILT_IN_GENERATORS[name] && isCustomGeneratorName(name)) await loadCustomGenerator(name, `${section}[${i}]`, configDir);
  }
}

/**
 * Loads every custom generator the config names (feature, label and signal sets), so that core
 * (the batch runs, the streams, computeSignals) can use them. `configFile` makes
 * "module.path:function" resolve next to the config first.
 */
export async function preloadConfigGenerators(config: Config, configFile?: string): Promise<void> {
  const configDir = configDirOf(configFile);
  await loadSectionGenerators(config.feature_sets, 'feature_sets', configDir);
  await loadSectionGenerators(config.label_sets, 'label_sets', configDir);
  await loadSectionGenerators(config.signal_sets, 'signal_sets', configDir);
  if (configDir !== undefined) {
    // Also under no folder, which is what callers without a config path look up.
    await loadSectionGenerators(config.feature_sets, 'feature_sets').catch(() => undefined);
    await loadSectionGenerators(config.signal_sets, 'signal_sets').catch(() => undefined);
  }
}

/** The folder custom modules resolve against, from a config file path ('' = none). */
export function configDirOf(configFile?: string): string | undefined {
  return configFile ? path.dirname(path.resolve(configFile)) : undefined;
}
