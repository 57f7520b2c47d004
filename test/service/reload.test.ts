import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import type { ModelSet } from '../../src/models/modelSet.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { reloadService } from '../../src/jobs/service/reload.ts';

let dir: string;
let configFile: string;
let running: Config;

function rawConfig(extra: Record<string, unknown> = {}) {
  return {
    data_folder: dir,
    symbol: 'BTCUSDT',
    freq: '1min',
    feature_sets: [{ generator: 'talib', config: { columns: ['close'], functions: ['SMA'], windows: [5, 10] } }],
    train_features: ['close_SMA_5', 'close_SMA_10'],
    labels: ['up'],
    algorithms: [{ name: 'lc', algo: 'lc', params: { is_scale: true }, train: { C: 1.0 } }],
    train_feature_sets: [{ generator: 'train_features', config: {} }],
    ...extra,
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-reload-'));
  configFile = path.join(dir, 'config.jsonc');
  fs.writeFileSync(configFile, JSON.stringify(rawConfig()));
  running = buildConfig(rawConfig(), { env: {} }).config;
  const rows = Array.from({ length: 300 }, (_, i) => ({ timestamp: i * 60_000, close_SMA_5: Math.sin(i / 7), close_SMA_10: Math.cos(i / 5), up: Math.sin(i / 7) > 0.3 ? 1 : 0 }));
  await trainAll(running, frameFromRows(rows), { concurrency: 1 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('/reload', () => {
  it('re-reads the config, reloads the models from disk and swaps them in', async () => {
    const swapped: ModelSet[] = [];
    const text = await reloadService({ configFile, running, swap: (m) => swapped.push(m) });
    expect(swapped).toHaveLength(1);
    expect(swapped[0]!.scoreColumns).toEqual(['up_lc']);
    expect(text).toContain('1 model(s) reloaded from disk: up_lc');
    expect(text).toContain('No change that needs a restart.');
  });

  it('names the changed keys that need a restart', async () => {
    fs.writeFileSync(configFile, JSON.stringify(rawConfig({ freq: '5min', label_horizon: 7 })));
    const text = await reloadService({ configFile, running, swap: () => {} });
    expect(text).toContain('Changed keys that take effect after a restart: freq.');
  });

  it('refuses an invalid config in one sentence and keeps the models in use', async () => {
    fs.writeFileSync(configFile, JSON.stringify(rawConfig({ train_length: -1 })));
    let swaps = 0;
    await expect(reloadService({ configFile, running, swap: () => swaps++ })).rejects.toThrow(/key train_length: expected a value ≥ 0, got -1/);
    expect(swaps).toBe(0);
  });

  it('says when there is no config file to re-read', async () => {
    await expect(reloadService({ configFile: '', running, swap: () => {} })).rejects.toThrow('started without a config file');
  });
});
