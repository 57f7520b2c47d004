import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStartArgs } from '../../src/jobs/start.ts';
import { readmePromises } from '../readmePromises.ts';

const run = promisify(execFile);

/** The README's promise about /backtest in a replay, word for word (this file and online-offline.test.ts prove it). */
const BACKTEST_PROMISE =
  '`/backtest` in a running service reads signals.csv continued by the bars the service scored since, and only bars closed by its clock: in a replay (`npm start`, `venue: "replay"`) nothing from a candle the replay has not shown yet. `npm start` scores the candles before its replay again at every start, so no signals.csv left by an earlier run is used.';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `npm start` as CI runs it: no token, no network, stdin not a terminal, a short fast replay. */
async function start(args: string[], stdin = '') {
  const env = { ...process.env, ITB_DATA_FOLDER: dir, TELEGRAM_BOT_TOKEN: '', EXCHANGE_API_KEY: '', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
  const child = run(process.execPath, ['bin/itb.mjs', 'start', ...args], { env, maxBuffer: 64 << 20 });
  child.child.stdin?.end(stdin);
  try {
    const r = await child;
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('npm start, the embedded default', () => {
  it('trains on the bundled sample when there are no models, replays the last bars, prints the channel posts, exits 0', async () => {
    const r = await start(['--fast', '--bars', '300']);
    expect(r.stderr).not.toMatch(/"level":"error"/);
    expect(r.code).toBe(0);
    const models = fs.readdirSync(path.join(dir, 'BTCUSDT', 'MODELS'));
    expect(models).toEqual(expect.arrayContaining(['high_20_lc.json', 'low_20_lc.json']));
    // /backtest in the chat reads the signals of the training period.
    expect(fs.existsSync(path.join(dir, 'BTCUSDT', 'signals.parquet'))).toBe(true);
    // The first scored bar always posts (there is no previous band yet), in the original's format.
    expect(r.stdout).toMatch(/^channel> .*₿ \d{2},\d{3} Indicator: [+-]\d\.\d\d/m);
    // Nobody reads the input here (not a terminal, no --chat): no invitation to chat.
    expect(r.stdout).not.toContain('Chat with the bot');
    const history = fs.readFileSync(path.join(dir, 'BTCUSDT', 'state', 'scores.jsonl'), 'utf8').trim().split('\n');
    expect(history).toHaveLength(300);
    expect(JSON.parse(history.at(-1)!)).toMatchObject({ time: '2025-11-30 23:59:00', status: 'ok' });
  });

  it('starts again on the models it trained and answers chat commands piped on stdin with --chat', async () => {
    // A paper wallet left by a run that went further (its last bar in 2100) must not carry over.
    const traderState = path.join(dir, 'BTCUSDT', 'trader.json');
    const transactions = path.join(dir, 'BTCUSDT', 'transactions.txt');
    fs.writeFileSync(traderState, JSON.stringify({ mode: 'paper', lastBarTime: Date.UTC(2100, 0, 1) }));
    fs.writeFileSync(transactions, '2100-01-01 00:00:00,1.000000,0.000000,BUY\n');
    // signals.csv as an earlier run might leave it: stale (up to 2025-11-20) and from candles after this replay (December).
    const hours = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * 3_600_000);
    const planted = [...hours(Date.UTC(2025, 10, 1), 20 * 24), ...hours(Date.UTC(2025, 11, 1), 31 * 24)];
    fs.writeFileSync(
      path.join(dir, 'BTCUSDT', 'signals.csv'),
      ['timestamp,close,trade_score,buy_signal_column,sell_signal_column', ...planted.map((t, i) => `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')},${90000 + i},${i % 2 ? -1 : 1},${i % 2 ? 0 : 1},${i % 2}`)].join('\n') + '\n',
    );
    const r = await start(['--fast', '--bars', '5', '--chat'], '/status\n/score\n/backtest 7d\n');
    const wallet = JSON.parse(fs.readFileSync(traderState, 'utf8')) as { lastBarTime: number | null };
    expect(wallet.lastBarTime ?? 0).toBeLessThanOrEqual(Date.UTC(2025, 10, 30, 23, 59));
    expect(fs.existsSync(transactions) ? fs.readFileSync(transactions, 'utf8') : '').not.toContain('2100');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/no models yet/);
    expect(r.stdout).toContain('Chat with the bot: type /help');
    expect(r.stdout).toMatch(/^bot> BTCUSDT · 1min/m);
    expect(r.stdout).toMatch(/^ {4}venue replay \(replay\)$/m);
    expect(r.stdout).toMatch(/^bot> .*₿ \d{2},\d{3} Indicator: [+-]\d\.\d\d/m);
    expect(r.stdout).toMatch(/✅ Backtest BTCUSDT over 7d finished/);
    // /backtest reads this replay's signals: the week up to the bars the replay has shown, nothing later, nothing left over.
    expect(r.stdout).toMatch(/Backtest BTCUSDT · long · 2025-11-23 23:5\d → 2025-11-30 23:5\d /);
    expect(r.stdout).not.toContain('2025-12-');
    expect(readmePromises()).toContain(BACKTEST_PROMISE);
  });

  it('trains again when its model set is incomplete (a training that was stopped), and clears what the stopped process left', async () => {
    const models = path.join(dir, 'BTCUSDT', 'MODELS');
    fs.rmSync(path.join(models, 'low_20_lc.json'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    fs.mkdirSync(`${models}.staging-${dead}`);
    fs.writeFileSync(path.join(`${models}.staging-${dead}`, 'high_20_lc.json'), '{"half": ');
    fs.writeFileSync(path.join(models, `.high_20_lc.json.${dead}.1700000000000.tmp`), '{"half": ');
    const r = await start(['--fast', '--bars', '5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the stored models cannot be used \(no model low_20_lc in .*MODELS \(expected low_20_lc\.json\)[^)]*\), so they are trained again: training on/);
    expect(fs.readdirSync(models)).toEqual(expect.arrayContaining(['high_20_lc.json', 'low_20_lc.json', 'model-set.json']));
    expect(fs.readdirSync(models).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(fs.existsSync(`${models}.staging-${dead}`)).toBe(false);
  });

  it('refuses options it does not know, in one sentence', () => {
    expect(() => parseStartArgs(['--speedy'])).toThrow(
      'unknown option "--speedy" (usage: npm start -- [--fast | --speed N] [--bars N | --days N] [--live] [--chat | --no-chat] [-c CONFIG.jsonc])',
    );
    expect(() => parseStartArgs(['--bars', 'x'])).toThrow(/^--bars needs a number ≥ 1/);
    expect(parseStartArgs(['--fast', '--bars', '30', '--chat'])).toEqual({ speed: 0, bars: 30, days: 2, live: false, noChat: false, chat: true });
  });
});
