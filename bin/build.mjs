// The CLI's start-up: running the TypeScript through tsx costs ~0.25 s of CPU at every start (its
// loader hooks see every module, node_modules included). Instead, esbuild bundles src/cli.ts (the
// job modules as lazy chunks, packages left to node_modules) into node_modules/.cache/itb-ts/, and
// bundles again by itself whenever a file under src/ is newer, so `npm install` is the only step.
// Worker threads (training, grid search) start from the same bundle, for the same reason.
// `import.meta.url` keeps the source file's URL in the bundle, so paths relative to a source file
// (the project root, fonts, worker entries) are the same as under tsx. ITB_TSX=1 skips the bundle.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'itb-ts');

/** A key of the sources' state: every file's path, size and mtime under src/, and this file's. */
function sourceKey() {
  const h = createHash('sha1');
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js|json)$/.test(e.name)) {
        const s = fs.statSync(p);
        h.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(path.join(root, 'src'));
  const self = fs.statSync(fileURLToPath(import.meta.url));
  h.update(`${process.version}\0${self.mtimeMs}`);
  return h.digest('hex').slice(0, 16);
}

/** esbuild plugin: each source file's `import.meta.url`/`dirname`/`filename` stay its own. */
const sourceMeta = {
  name: 'itb-source-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await fs.promises.readFile(args.path, 'utf8');
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Packages stay in node_modules and load from there, except those loaded at every start (the
 * config's zod and jsonc-parser) or by every stage (hyparquet and its writer) that are plain code
 * (no files of their own read at run time, no worker threads): in the bundle they cost one module
 * instead of dozens (zod's 106 files took ~40 ms to load, ~20 ms as part of the bundle).
 */
const BUNDLED_PACKAGES = new Set(['zod', 'jsonc-parser', 'hyparquet', 'hyparquet-writer']);
const packagesOutside = {
  name: 'itb-packages-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED_PACKAGES.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/** The bundle's entries: the CLI and the worker threads' modules (each started by a .mjs beside it). */
const ENTRIES = {
  cli: 'src/cli.ts',
  gridWorker: 'src/core/backtest/gridWorker.ts',
  trainWorker: 'src/models/trainWorker.ts',
  csvWorker: 'src/storage/csvWorker.ts',
};

/** The bundle's entry file for the current sources (built when missing), or null to run through tsx. */
export async function bundledCli() {
  return bundledEntry('cli');
}

/** One of ENTRIES in the bundle of the current sources (built when missing), or null to run through tsx. */
export async function bundledEntry(name) {
  if (process.env.ITB_TSX === '1') return null;
  try {
    const key = sourceKey();
    const dir = path.join(cacheDir, key);
    const entry = path.join(dir, `${name}.js`);
    if (fs.existsSync(entry)) return entry;
    const esbuild = await import('esbuild');
    const tmp = `${dir}.${process.pid}.tmp`;
    await esbuild.build({
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, f]) => [k, path.join(root, f)])),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: tmp,
      mainFields: ['module', 'main'], // the packages' ES module builds (jsonc-parser's main is UMD)
      plugins: [sourceMeta, packagesOutside],
      logLevel: 'silent',
    });
    try {
      fs.renameSync(tmp, dir); // complete bundles only: a reader never sees a half-written one
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process made the same bundle first
    }
    // older bundles, left by earlier sources, once no process can still be starting from them
    for (const old of fs.readdirSync(cacheDir)) {
      const p = path.join(cacheDir, old);
      if (old !== key && old !== 'modules' && Date.now() - fs.statSync(p).mtimeMs > 600_000) fs.rmSync(p, { recursive: true, force: true });
    }
    return entry;
  } catch {
    return null; // no esbuild, a read-only folder…: tsx runs the sources as they are
  }
}

/**
 * A user's TypeScript module (a custom generator or output) as a bundled .mjs in the same cache,
 * made again when the module or any file it imports changes; null when it cannot be made.
 */
export async function bundledModule(file) {
  try {
    const dir = path.join(cacheDir, 'modules');
    const base = path.join(dir, createHash('sha1').update(path.resolve(file)).digest('hex').slice(0, 16));
    const out = `${base}.mjs`;
    const inputsFile = `${base}.inputs.json`;
    const fresh = (() => {
      try {
        const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
        return fs.existsSync(out) && Object.entries(inputs).every(([p, t]) => fs.statSync(p).mtimeMs === t);
      } catch {
        return false;
      }
    })();
    if (fresh) return out;
    const esbuild = await import('esbuild');
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${base}.${process.pid}.tmp.mjs`;
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outfile: tmp,
      plugins: [sourceMeta],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = {};
    for (const p of Object.keys(result.metafile.inputs)) {
      const abs = path.resolve(p);
      inputs[abs] = fs.statSync(abs).mtimeMs;
    }
    fs.renameSync(tmp, out);
    fs.writeFileSync(inputsFile, JSON.stringify(inputs));
    return out;
  } catch {
    return null;
  }
}

/** Imports one of ENTRIES from the bundle, or `source` (its TypeScript file's URL) through tsx. */
export async function importEntry(name, source) {
  const bundled = await bundledEntry(name);
  if (bundled) return import(pathToFileURL(bundled).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(source);
}
