import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import { trainAll } from '../../src/models/trainAll.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-shutdown-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const raw = {
  venue: 'replay',
  replay: { file: path.resolve('data/sample/BTCUSDT/klines.csv.gz'), speed: 300, start: '2025-11-29 00:00:00' },
  data_folder: dir,
  features_horizon: 20,
  predict_length: 5,
  feature_sets: [{ generator: 'talib', config: { columns: ['close'], functions: ['SMA'], windows: [5, 10] } }],
  train_features: ['close_SMA_5', 'close_SMA_10'],
  labels: ['up'],
  algorithms: [{ name: 'lc', algo: 'lc', params: { is_scale: true }, train: { C: 1.0 } }],
  train_feature_sets: [{ generator: 'train_features', config: {} }],
  signal_sets: [{ generator: 'threshold_rule', config: { columns: 'up_lc', names: ['buy', 'sell'], parameters: { buy_signal_threshold: 0.9, sell_signal_threshold: 0.1 } } }],
};

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the running tick, flushes the state and exits 0', async () => {
    const config = buildConfig(raw, { env: {} }).config;
    await trainAll(config, frameFromRows(Array.from({ length: 300 }, (_, i) => ({ timestamp: i * 60_000, close_SMA_5: 90_000 + 50 * Math.sin(i / 7), close_SMA_10: 90_000 + 40 * Math.cos(i / 5), up: i % 3 === 0 ? 1 : 0 }))));
    const file = path.join(dir, 'serve.jsonc');
    fs.writeFileSync(file, JSON.stringify(raw));
    const history = path.join(dir, 'BTCUSDT', 'state', 'scores.jsonl');
    const child = spawn(process.execPath, ['bin/itb.mjs', 'serve', '-c', file], {
      env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', TELEGRAM_BOT_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // At 300× real time a bar closes every 0.2 s: wait for a few, then stop it.
    const t0 = Date.now();
    while (!(fs.existsSync(history) && fs.readFileSync(history, 'utf8').split('\n').length > 5) && Date.now() - t0 < 40_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/stopping: finishing the running tick/);
    expect(stderr).toMatch(/service stopped after \d+ tick\(s\)/);
    const lines = fs.readFileSync(history, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { time: string });
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'BTCUSDT', 'state', 'service.json'), 'utf8')) as { lastBarTime: number };
    // The persisted state names exactly the last bar written to the history: a restart continues after it.
    expect(new Date(state.lastBarTime).toISOString().slice(0, 19).replace('T', ' ')).toBe(lines.at(-1)!.time);
    expect(lines[0]!.time).toBe('2025-11-29 00:00:00');
  }, 60_000);
});
