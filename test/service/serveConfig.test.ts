import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { startFakeTelegram } from '../fakes/telegram.ts';

const run = promisify(execFile);
let dir: string;

/** A config of the replay venue with one lc model on two features. */
function rawConfig(extra: Record<string, unknown> = {}) {
  return {
    venue: 'replay',
    replay: { file: path.resolve('data/sample/BTCUSDT/klines.csv.gz'), speed: 0 },
    data_folder: dir,
    symbol: 'BTCUSDT',
    freq: '1min',
    features_horizon: 20,
    predict_length: 5,
    feature_sets: [{ generator: 'talib', config: { columns: ['close'], functions: ['SMA'], windows: [5, 10] } }],
    train_features: ['close_SMA_5', 'close_SMA_10'],
    labels: ['up'],
    algorithms: [{ name: 'lc', algo: 'lc', params: { is_scale: true }, train: { C: 1.0 } }],
    train_feature_sets: [{ generator: 'train_features', config: {} }],
    ...extra,
  };
}

async function serve(cfg: Record<string, unknown>) {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.jsonc`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  try {
    const r = await run(process.execPath, ['bin/itb.mjs', 'serve', '-c', file], { env: { ...process.env, LOG_LEVEL: 'silent', TELEGRAM_BOT_TOKEN: '', TELEGRAM_API_ROOT: '' } });
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-serve-config-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('itb serve refuses a config it cannot serve, in one sentence, with exit code ≠ 0', () => {
  it('no models', async () => {
    const r = await serve(rawConfig());
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^no model up_lc in .*MODELS \(expected up_lc\.json\): train it first with `itb train`$/);
  });

  it('models trained on other features', async () => {
    const cfg = buildConfig(rawConfig(), { env: {} }).config;
    const rows = Array.from({ length: 200 }, (_, i) => ({ timestamp: i * 60_000, close_SMA_5: Math.sin(i / 7), close_SMA_10: Math.cos(i / 5), up: i % 3 === 0 ? 1 : 0 }));
    await trainAll(cfg, frameFromRows(rows));
    const r = await serve(rawConfig({ train_features: ['close_SMA_10', 'close_SMA_5'] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/up_lc/);
  });

  it('model inputs that no feature set produces', async () => {
    const cfg = buildConfig(rawConfig({ train_features: ['close_SMA_5', 'close_SMA_7'] }), { env: {} }).config;
    const rows = Array.from({ length: 200 }, (_, i) => ({ timestamp: i * 60_000, close_SMA_5: Math.sin(i / 7), close_SMA_7: Math.cos(i / 5), up: i % 3 === 0 ? 1 : 0 }));
    await trainAll(cfg, frameFromRows(rows), { folder: path.join(dir, 'MODELS-7') });
    const r = await serve(rawConfig({ train_features: ['close_SMA_5', 'close_SMA_7'], model_folder: path.join(dir, 'MODELS-7') }));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'the models need "close_SMA_7", which no feature_sets entry of the config produces (the features they were trained on must be generated online too)',
    );
  });

  it('a bot token Telegram refuses', async () => {
    const telegram = await startFakeTelegram();
    try {
      const r = await serve(rawConfig({ telegram: { token: '42:not-the-token', api_root: telegram.apiRoot } }));
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toBe('Telegram refused the bot (401: Unauthorized): check TELEGRAM_BOT_TOKEN');
    } finally {
      await telegram.close();
    }
  });

  it('an unknown venue', async () => {
    const r = await serve(rawConfig({ venue: 'nasdaq' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('config: key venue: unknown venue "nasdaq" (use "replay" or a ccxt exchange id such as "binance")');
  });
});
