import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-start-symbols-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm start -- --symbols: two symbols on one clock', () => {
  it('trains both, replays BTCUSDT and ETHUSDT together, names each post, and /score eth answers in the piped chat', async () => {
    const env = { ...process.env, ITB_DATA_FOLDER: dir, TELEGRAM_BOT_TOKEN: '', EXCHANGE_API_KEY: '', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
    const child = run(process.execPath, ['bin/itb.mjs', 'start', '--symbols', '--fast', '--bars', '48', '--chat'], { env, maxBuffer: 64 << 20 });
    child.child.stdin?.end('/score eth\n/status\n');
    const { stdout, stderr } = await child;
    expect(stderr).not.toMatch(/"level":50/);
    expect(stdout).toContain('Replaying BTCUSDT, ETHUSDT 1h from 2023-11-29 00:00:00 UTC (48 bars, as fast as possible)');
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      expect(fs.readdirSync(path.join(dir, symbol, 'MODELS'))).toEqual(expect.arrayContaining(['high_20_lc.json', 'low_20_lc.json']));
      const history = fs.readFileSync(path.join(dir, symbol, 'state', 'scores.jsonl'), 'utf8').trim().split('\n');
      expect(history).toHaveLength(48);
      expect(JSON.parse(history.at(-1)!)).toMatchObject({ time: '2023-11-30 23:00:00', status: 'ok' });
    }
    expect(stdout).toMatch(/^channel> #BTCUSDT .*₿ \d{2},\d{3} Indicator: [+-]\d\.\d\d/m);
    expect(stdout).toMatch(/^channel> #ETHUSDT .*Ξ \d,\d{3} Indicator: [+-]\d\.\d\d/m);
    expect(stdout).toMatch(/^bot> #ETHUSDT .*Ξ \d,\d{3} Indicator: [+-]\d\.\d\d.*\n {4}Band: /m);
    expect(stdout).toMatch(/^bot> BTCUSDT · candle 2023-11-\d\d \d\d:00 · .*\n {4}ETHUSDT · candle /m);
  }, 120_000);
});
