#!/usr/bin/env node
// The `itb` command: runs the TypeScript sources through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
// The command is done. A service stopped by a signal may have left requests to an unreachable
// Telegram or exchange open on purpose: they must not keep the process alive.
setTimeout(() => process.exit(), 500).unref();
