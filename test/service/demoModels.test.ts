import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { MINUTE, parseTime } from '../../src/core/time.ts';
import { modelsPrecede } from '../../src/jobs/service/demo.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A config whose MODELS folder holds manifests with these training ends (plus a weights file). */
function withModels(ends: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-demo-models-'));
  dirs.push(dir);
  const config = buildConfig({ data_folder: dir, symbol: 'BTCUSDT', label_horizon: 120 }, { env: {} }).config;
  const models = path.join(dir, 'BTCUSDT', 'MODELS');
  fs.mkdirSync(models, { recursive: true });
  ends.forEach((end, i) => {
    fs.writeFileSync(path.join(models, `m${i}_lc.json`), JSON.stringify({ algorithm: 'lc', training: { rows: 10, start: '2025-11-01 00:00:00', end } }));
    fs.writeFileSync(path.join(models, `m${i}_lc.lc.json`), JSON.stringify({ coef: [1] }));
  });
  return config;
}

describe('npm start reuses models only when they never saw the replayed candles', () => {
  const replayStart = parseTime('2025-11-29 00:00');

  it('accepts models whose last training label ends before the replay', () => {
    // last training row 21:59, its label looks 120 rows ahead: up to 23:59
    expect(modelsPrecede(withModels(['2025-11-28 21:59:00', '2025-11-20 00:00:00']), replayStart, MINUTE)).toBe(true);
  });

  it('refuses models whose labels (or rows) reach into the replay', () => {
    expect(modelsPrecede(withModels(['2025-11-28 22:00:00']), replayStart, MINUTE)).toBe(false);
    expect(modelsPrecede(withModels(['2025-11-20 00:00:00', '2025-11-30 18:39:00']), replayStart, MINUTE)).toBe(false);
  });

  it('refuses a folder without manifests', () => {
    expect(modelsPrecede(withModels([]), replayStart, MINUTE)).toBe(false);
  });
});
