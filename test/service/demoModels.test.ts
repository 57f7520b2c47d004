import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { modelFolder } from '../../src/config/load.ts';
import { MINUTE, parseTime } from '../../src/core/time.ts';
import { demoTrainingReason, modelsPrecede } from '../../src/jobs/service/demo.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { syntheticFrame, testConfig } from '../models/synthetic.ts';

/** Manifests (their training part) with these training ends. */
const trainedUntil = (ends: string[]) => ends.map((end) => ({ training: { rows: 10, start: '2025-11-01 00:00:00', end, fingerprint: '', label_mean: 0, seconds: 0 } }));

describe('npm start reuses models only when they never saw the replayed candles', () => {
  const replayStart = parseTime('2025-11-29 00:00');

  it('accepts models whose last training label ends before the replay', () => {
    // last training row 21:59, its label looks 120 rows ahead: up to 23:59
    expect(modelsPrecede(trainedUntil(['2025-11-28 21:59:00', '2025-11-20 00:00:00']), 120, replayStart, MINUTE)).toBe(true);
  });

  it('refuses models whose labels (or rows) reach into the replay', () => {
    expect(modelsPrecede(trainedUntil(['2025-11-28 22:00:00']), 120, replayStart, MINUTE)).toBe(false);
    expect(modelsPrecede(trainedUntil(['2025-11-20 00:00:00', '2025-11-30 18:39:00']), 120, replayStart, MINUTE)).toBe(false);
  });

  it('refuses a set without models', () => {
    expect(modelsPrecede([], 120, replayStart, MINUTE)).toBe(false);
  });
});

describe('npm start trains again when the stored models do not fit the config', () => {
  const calibrated = [{ generator: 'combine', config: { columns: ['y_lc', 'y_lc'], names: 'score', combine: 'difference', calibrate: 'percentile' } }];
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function trained() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-demo-fit-'));
    dirs.push(dir);
    const config = testConfig(dir, { algorithms: [{ name: 'lc', algo: 'lc' }], signal_sets: calibrated });
    await trainAll(config, syntheticFrame(600, 5));
    return config;
  }

  it('accepts models that load with the config and carry the calibration its signals read', async () => {
    expect(await demoTrainingReason(await trained(), null, MINUTE)).toBeNull();
  });

  it('names what differs: the features, or a calibration the models (of an earlier version) lack', async () => {
    const config = await trained();
    expect((await demoTrainingReason({ ...config, train_features: ['a', 'b'] }, null, MINUTE))?.reason).toMatch(/model y_lc was trained on other features than the config lists: the config no longer has c/);
    const manifest = path.join(modelFolder(config), 'y_lc.json');
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    delete m.calibration;
    fs.writeFileSync(manifest, JSON.stringify(m));
    expect((await demoTrainingReason(config, null, MINUTE))?.reason).toMatch(/model y_lc has no training calibration, which the signal sets read/);
    expect(await demoTrainingReason({ ...config, signal_sets: [] }, null, MINUTE)).toBeNull();
  });
});
