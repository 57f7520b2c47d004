import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house rules of docs/ARCHITECTURE.md, checked on every import of src/ (type imports,
 * re-exports and dynamic imports included): a layer imports only from layers below it, and
 * core does no file, network or process I/O.
 */

/** Each folder of src/ and its rank: a file may import its own folder and lower ranks only. */
const LAYERS: Record<string, number> = {
  shared: 0,
  config: 1,
  core: 2,
  storage: 3,
  exchange: 3,
  charts: 3,
  models: 4,
  jobs: 5,
  bot: 6,
  commands: 7,
  app: 8,
};
/** Files directly under src/: the CLI's front door sits with the composition root. */
const TOP_FILES: Record<string, string> = { 'cli.ts': 'app' };

/** Packages and node modules that do I/O (files, network, processes, terminals, native renderers): never in core. */
const IO_MODULES = [
  /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|tls|child_process|readline|cluster|repl)$/,
  /^ccxt$/,
  /^lowdb(\/|$)/,
  /^grammy(\/|$)/,
  /^@grammyjs\//,
  /^node-schedule$/,
  /^@napi-rs\/canvas$/,
  /^chart\.js/,
  /^koffi$/,
];

/** Imports that leave src/ on purpose, with the reason. */
const OUTSIDE_SRC: Record<string, string> = {
  // The original's sample configs name this generator; it is pure (core and config types only)
  // and registered as a built-in so the synchronous stream needs no module loading.
  'core/generators/registry.ts -> examples/common/my_feature_example.ts': 'the bundled custom generator',
  // A worker thread's boot file (plain .mjs, the thread's entry, not a module of the layer) starts
  // from the CLI's bundle when there is one: bin/build.mjs says where it is.
  'core/backtest/gridWorker.mjs -> bin/build.mjs': 'the grid-search worker starts from the bundle',
  'models/trainWorkerBoot.mjs -> bin/build.mjs': 'the training worker starts from the bundle',
  'storage/csvWorker.mjs -> bin/build.mjs': 'the worker reading half of a big CSV file starts from the bundle',
};

interface ImportRef {
  /** As written, e.g. "../storage/atomic.ts" or "node:fs"; for a template literal, its text up to the first `${`. */
  spec: string;
  line: number;
  /** import() whose argument is not a plain string. */
  dynamicTemplate: boolean;
}

/** Every module reference of a source text: import/export … from, import type, import(), typeof import(). */
function importsOf(file: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, spec: string, dynamicTemplate = false) =>
    out.push({ spec, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, dynamicTemplate });
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node, node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) add(node, arg.text);
      else if (arg && ts.isTemplateExpression(arg)) add(node, arg.head.text, true);
      else add(node, '', true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

interface Violation {
  file: string;
  line: number;
  spec: string;
  why: string;
}

function layerOf(rel: string): string | undefined {
  const [first, ...rest] = rel.split('/');
  if (!rest.length) return TOP_FILES[first!];
  return first! in LAYERS ? first : undefined;
}

/**
 * The violations among `files` (paths relative to src/, with their text). Relative imports are
 * resolved against the importing file; a template import() is judged by its folder part.
 */
function checkLayers(files: Array<{ rel: string; text: string }>): Violation[] {
  const out: Violation[] = [];
  for (const { rel, text } of files) {
    const from = layerOf(rel);
    if (!from) {
      out.push({ file: rel, line: 1, spec: '', why: `${rel} is in no layer of the table (add its folder to docs/ARCHITECTURE.md and to LAYERS)` });
      continue;
    }
    for (const imp of importsOf(rel, text)) {
      const at = { file: rel, line: imp.line, spec: imp.spec };
      if (!imp.spec.startsWith('.')) {
        if (from === 'core' && IO_MODULES.some((re) => re.test(imp.spec))) out.push({ ...at, why: `core does no I/O, but imports "${imp.spec}" (hand it an adapter instead)` });
        if (from === 'core' && imp.dynamicTemplate) out.push({ ...at, why: 'core loads no modules at run time (a module loader is I/O)' });
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), imp.spec));
      if (target.startsWith('..')) {
        const key = `${rel} -> ${target.replace(/^(\.\.\/)+/, '')}`;
        if (!(key in OUTSIDE_SRC)) out.push({ ...at, why: `imports ${imp.spec}, outside src/` });
        continue;
      }
      const to = layerOf(imp.dynamicTemplate && !target.includes('/') ? `${target}/x` : target);
      if (!to) {
        out.push({ ...at, why: `imports ${imp.spec}, which is in no layer` });
        continue;
      }
      if (to !== from && LAYERS[to]! >= LAYERS[from]!) {
        out.push({ ...at, why: `${from}/ may not import ${to}/ (${LAYERS[to]! > LAYERS[from]! ? 'an upward import' : 'a sibling layer of the same rank'})` });
      }
    }
  }
  return out;
}

function sourceFiles(root: string): Array<{ rel: string; text: string }> {
  const files: Array<{ rel: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js)$/.test(e.name)) files.push({ rel: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(root);
  return files;
}

const describeViolation = (v: Violation) => `src/${v.file}:${v.line} ${v.spec ? `"${v.spec}": ` : ''}${v.why}`;

describe('the house: layers that only look down', () => {
  it('every import of src/ goes down the table of docs/ARCHITECTURE.md, and core does no I/O', () => {
    const violations = checkLayers(sourceFiles(path.resolve('src')));
    expect(violations.map(describeViolation)).toEqual([]);
  });

  it('the table of docs/ARCHITECTURE.md is the one checked here', () => {
    const doc = fs.readFileSync('docs/ARCHITECTURE.md', 'utf8');
    for (const folder of Object.keys(LAYERS)) expect(doc).toContain(`\`src/${folder}/\``);
    expect(fs.readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()).toEqual(Object.keys(LAYERS).sort());
  });

  it('names the file and the import of an upward one, type imports and dynamic imports included', () => {
    const planted = [
      { rel: 'core/trader/x.ts', text: "import type { Low } from '../../storage/jsonStore.ts';\nexport const a = 1;" },
      { rel: 'jobs/y.ts', text: "export async function f() {\n  return import('../bot/createBot.ts');\n}" },
      { rel: 'models/z.ts', text: "export type P = typeof import('../jobs/context.ts');" },
      { rel: 'storage/w.ts', text: "export { ccxtThing } from '../exchange/ccxt.ts';" },
      { rel: 'core/v.ts', text: "import fs from 'node:fs';\nexport const b = fs;" },
      { rel: 'bot/u.ts', text: "import { ALL } from '../commands/index.ts';" },
      { rel: 'jobs/ok.ts', text: "import { UserError } from '../shared/errors.ts';\nimport type { Config } from '../config/schema.ts';\nimport { Frame } from '../core/frame.ts';" },
    ];
    expect(checkLayers(planted).map(describeViolation)).toEqual([
      'src/core/trader/x.ts:1 "../../storage/jsonStore.ts": core/ may not import storage/ (an upward import)',
      'src/jobs/y.ts:2 "../bot/createBot.ts": jobs/ may not import bot/ (an upward import)',
      'src/models/z.ts:1 "../jobs/context.ts": models/ may not import jobs/ (an upward import)',
      'src/storage/w.ts:1 "../exchange/ccxt.ts": storage/ may not import exchange/ (a sibling layer of the same rank)',
      'src/core/v.ts:1 "node:fs": core does no I/O, but imports "node:fs" (hand it an adapter instead)',
      'src/bot/u.ts:1 "../commands/index.ts": bot/ may not import commands/ (an upward import)',
    ]);
  });
});
