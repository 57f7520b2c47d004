#!/usr/bin/env node
// The `itb` command: runs the bundle of src/ that bin/build.mjs keeps up to date with the sources
// (or, without it, the TypeScript sources through tsx's loader).
import { importEntry } from './build.mjs';

const cli = await importEntry('cli', new URL('../src/cli.ts', import.meta.url).href);
process.exitCode = await cli.main(process.argv.slice(2));
// The command is done. A service stopped by a signal may have left requests to an unreachable
// Telegram or exchange open on purpose: they must not keep the process alive.
setTimeout(() => process.exit(), 500).unref();
