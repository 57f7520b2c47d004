#!/usr/bin/env node
// The `itb` command: runs the bundle of src/ that bin/build.mjs keeps up to date with the sources
// (or, without it, the TypeScript sources through tsx's loader).
import { bundledCli } from './build.mjs';
import { pathToFileURL } from 'node:url';

const bundle = await bundledCli();
let cli;
if (bundle) cli = await import(pathToFileURL(bundle).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
// The command is done. A service stopped by a signal may have left requests to an unreachable
// Telegram or exchange open on purpose: they must not keep the process alive.
setTimeout(() => process.exit(), 500).unref();
