import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, loadConfig, modelFolder } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { parseTime, DAY } from '../../src/core/time.ts';
import { readCsv, writeCsv } from '../../src/storage/csv.ts';
import { log } from '../../src/shared/log.ts';
import { silentProgress } from '../../src/shared/progress.ts';
import type { ModelSet } from '../../src/models/modelSet.ts';
import { Retrainer, modelSetTrainedAt, scheduleRetraining } from '../../src/jobs/service/retrain.ts';

let dir: string;
let config: Config;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-retrain-'));
  const sample = loadConfig('src/config/samples/embedded.jsonc', {}).config;
  config = buildConfig({ ...structuredClone(sample), data_folder: dir, train_length: 5000, service: { retrain_length: 3000 } }, { env: {} }).config;
  const all = readCsv('data/sample/BTCUSDT/klines.csv.gz');
  const end = parseTime('2025-11-20 00:00:00');
  writeCsv(path.join(dir, 'BTCUSDT', 'klines.csv'), all.slice(all.lowerBound(end - 4 * DAY), all.lowerBound(end)));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function retrainer(cfg: Config, into: { swapped: ModelSet[]; admins: string[] }) {
  return new Retrainer({
    ctx: () => ({ config: cfg, configFile: '', args: [], log: log(), progress: silentProgress }),
    swap: (m) => void into.swapped.push(m),
    notifyAdmins: async (t) => void into.admins.push(t),
    log: log(),
  });
}

describe('retraining while the service runs', () => {
  it('trains on retrain_length rows into a fresh folder, swaps it in, hands the models over and tells the admins the metrics', async () => {
    const seen = { swapped: [] as ModelSet[], admins: [] as string[] };
    const r = retrainer(config, seen);
    const first = await r.run();
    // The train stage's rows: the last retrain_length rows before the label_horizon tail, minus rows with missing features.
    expect(first.rows).toBeGreaterThan(2900);
    expect(first.rows).toBeLessThanOrEqual(3000);
    expect(seen.swapped).toHaveLength(1);
    expect(seen.swapped[0]!.scoreColumns).toEqual(['high_20_lc', 'low_20_lc']);
    expect(seen.admins[0]).toMatch(new RegExp(`^🧠 BTCUSDT: new models in use, trained on ${first.rows} rows`));
    expect(seen.admins[0]).toMatch(/high_20_lc: .*auc \d\.\d{3}/);
    expect(fs.readdirSync(modelFolder(config))).toEqual(expect.arrayContaining(['high_20_lc.json', 'low_20_lc.json']));

    const second = await r.run();
    expect(modelSetTrainedAt(second.models)!).toBeGreaterThanOrEqual(modelSetTrainedAt(first.models)!);
    // The set it replaced is kept once beside it; no half-written folder is left behind.
    const siblings = fs.readdirSync(path.dirname(modelFolder(config))).filter((f) => f.startsWith('MODELS'));
    expect(siblings.sort()).toEqual(['MODELS', 'MODELS.previous']);
    expect(r.last?.ok).toBe(true);
  });

  it('keeps the models in use when retraining fails, and says so to the admins once', async () => {
    const before = fs.readFileSync(path.join(modelFolder(config), 'high_20_lc.json'), 'utf8');
    const seen = { swapped: [] as ModelSet[], admins: [] as string[] };
    const broken = { ...config, train_features: [...config.train_features, 'no_such_feature'] };
    await expect(retrainer(broken, seen).run()).rejects.toThrow(/no_such_feature/);
    expect(seen.swapped).toEqual([]);
    expect(seen.admins).toHaveLength(1);
    expect(seen.admins[0]).toMatch(/^⚠️ BTCUSDT: retraining failed, the previous models stay in use: .*no_such_feature/);
    expect(fs.readFileSync(path.join(modelFolder(config), 'high_20_lc.json'), 'utf8')).toBe(before);
  });

  it('refuses a retrain_cron that is not a cron expression, naming the key', () => {
    expect(() => scheduleRetraining({ cron: 'every day', run: async () => {}, log: log() })).toThrow(
      'config: key service.retrain_cron: "every day" is not a cron expression (e.g. "5 0 * * *" for 00:05 UTC daily)',
    );
    const job = scheduleRetraining({ cron: '5 0 * * *', run: async () => {}, log: log() });
    job.cancel();
  });
});
