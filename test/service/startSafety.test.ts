import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSubscriber, emptyBotState } from '../../src/bot/state.ts';
import { readCsv, writeCsv } from '../../src/storage/csv.ts';
import { LOCK_FILE } from '../../src/storage/folderLock.ts';
import { readmePromises } from '../readmePromises.ts';
import { SAMPLE, itb, killStrays, serveRaw } from './cliService.ts';

/** The README's promise about the demo's folder, word for word (this file proves it). */
const DEMO_FOLDER_PROMISE =
  '`itb start` (`npm start`) resets its state, paper wallet and klines and retrains only in a folder of its own: the project\'s `var/demo`, or a folder that was empty when a demo first used it (it leaves a `.itb-demo` file there). Given a folder with other data (`-c CONFIG` or `ITB_DATA_FOLDER`), a config whose state, trader or model folder lies outside its data folder, or a folder a running demo holds, it refuses in one sentence before touching a file.';

/**
 * `itb start` (npm start) resets its state, paper wallet and klines and retrains on every run:
 * it may do so only in its own folder. On a user's data folder it refuses in one sentence and
 * changes nothing; a second demo on a folder a running one holds changes nothing either.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-start-safety-'));
afterAll(() => {
  killStrays();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A data folder as a user of the bot has it: klines, subscribers, an outbox, a paper ledger, models. */
function userFolder(name: string): string {
  const dir = path.join(root, name);
  const sym = path.join(dir, 'BTCUSDT');
  fs.mkdirSync(path.join(sym, 'state'), { recursive: true });
  fs.mkdirSync(path.join(sym, 'MODELS'), { recursive: true });
  const all = readCsv(SAMPLE);
  writeCsv(path.join(sym, 'klines.csv'), all.slice(all.length - 3000));
  const bot = { ...emptyBotState(), subscribers: { 501: defaultSubscriber(501, 'Ada') } };
  fs.writeFileSync(path.join(sym, 'state', 'bot-state.json'), JSON.stringify(bot));
  fs.writeFileSync(path.join(sym, 'state', 'outbox.jsonl'), JSON.stringify({ op: 'add', item: { id: 'a-1', chatId: 501, kind: 'text', text: 'waiting', topic: 'text', createdAt: 1 } }) + '\n');
  fs.writeFileSync(path.join(sym, 'trader.json'), JSON.stringify({ mode: 'paper', books: { paper: { status: 'BOUGHT', ledger: [], startEquity: 1000 } } }));
  fs.writeFileSync(path.join(sym, 'transactions.txt'), '2025-11-20 10:00:00,90000.000000,0.011000,BUY\n');
  fs.writeFileSync(path.join(sym, 'MODELS', 'high_20_lc.json'), '{"format": "itb-ts-model"}');
  fs.writeFileSync(path.join(sym, 'MODELS', 'high_20_lc.pickle'), 'the original bot’s model');
  return dir;
}

/** Every file under a folder with a hash of its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

async function start(args: string[], env: Record<string, string> = {}) {
  const p = itb(['start', ...args, '--fast', '--bars', '5', '--no-chat'], { LOG_LEVEL: 'warn', ...env });
  const { code } = await p.exited;
  return { code, stderr: p.stderr.trim() };
}

const REFUSAL = /^itb start replays the bundled sample in a folder of its own and resets it on every run, but (.*) holds other data \(it has no \.itb-demo file\), so nothing was changed: serve your own data with `itb serve -c CONFIG`, or give the demo an empty data_folder$/;

describe('itb start never touches data it does not own', () => {
  it('itb start -c CONFIG on a user’s data folder refuses in one sentence and changes nothing', async () => {
    const dir = userFolder('user-config');
    const before = snapshot(dir);
    const cfg = path.join(root, 'user.jsonc');
    fs.writeFileSync(cfg, JSON.stringify(serveRaw(dir, { start: '2025-11-29 00:00:00', end: '2025-11-30 00:00:00', speed: 0 })));
    const r = await start(['-c', cfg]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(REFUSAL);
    expect(REFUSAL.exec(r.stderr)![1]).toBe(dir);
    expect(snapshot(dir)).toEqual(before);
    expect(readmePromises()).toContain(DEMO_FOLDER_PROMISE);
  }, 60_000);

  it('npm start with ITB_DATA_FOLDER set to a user’s data folder refuses the same way and changes nothing', async () => {
    const dir = userFolder('user-env');
    const before = snapshot(dir);
    const r = await start([], { ITB_DATA_FOLDER: dir });
    expect(r.code).not.toBe(0);
    expect(REFUSAL.exec(r.stderr)?.[1]).toBe(dir);
    expect(snapshot(dir)).toEqual(before);
  }, 60_000);

  it('a demo config whose state folder lies outside its data folder is refused before anything is written', async () => {
    const outside = userFolder('outside-state');
    const before = snapshot(outside);
    const dir = path.join(root, 'empty-demo');
    const cfg = path.join(root, 'outside.jsonc');
    fs.writeFileSync(cfg, JSON.stringify(serveRaw(dir, { start: '2025-11-29 00:00:00', end: '2025-11-30 00:00:00', speed: 0, extra: { service: { state_folder: path.join(outside, 'BTCUSDT', 'state') } } })));
    const r = await start(['-c', cfg]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      `itb start resets its files on every run, but its state folder ${path.join(outside, 'BTCUSDT', 'state')} lies outside its data folder ${dir}, so nothing was changed: serve your own data with \`itb serve -c CONFIG\``,
    );
    expect(snapshot(outside)).toEqual(before);
    expect(fs.existsSync(dir)).toBe(false);
  }, 60_000);

  it('a second demo on the folder of a running one refuses (naming it) before resetting anything', async () => {
    const dir = userFolder('running-demo');
    fs.writeFileSync(path.join(dir, '.itb-demo'), 'marked by an earlier demo\n');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, 'BTCUSDT', LOCK_FILE), JSON.stringify({ pid: holder.pid, host: os.hostname(), started: '2025-12-01T10:00:00.000Z', command: 'itb start', token: 'x' }));
      const before = snapshot(dir);
      const r = await start([], { ITB_DATA_FOLDER: dir });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`is in use by itb start \\(pid ${holder.pid} on host .*, started 2025-12-01 10:00:00 UTC\\): stop it first`));
      expect(snapshot(dir)).toEqual(before);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 60_000);
});
