import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.ts';
import { loadModelSet } from '../../src/models/modelSet.ts';
import { SET_FILE, readSetFile } from '../../src/models/modelSetFolder.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { writeCsv } from '../../src/storage/csv.ts';
import { readmePromises } from '../readmePromises.ts';
import { syntheticFrame, testConfig } from './synthetic.ts';

/** The README's promise about MODELS/, word for word (this file and the incomplete-set test of start.test.ts prove it). */
const MODEL_SET_PROMISE =
  '`MODELS/` is one set from one training, written beside the old one and switched in by renames (`docs/model-format.md`; a retraining in the service writes the same way): `itb train` killed (kill -9) after a model, after the whole set or between the two renames leaves the old set or the new one whole, and the next `predict`, `serve`, `train` or `npm start` finishes the switch or removes the unfinished set and the temporary files of processes that no longer run. `predict` and `serve` refuse models of different trainings in one sentence; `npm start` trains again when its set is incomplete or mixed.';

/**
 * MODELS/ holds one set, replaced whole: a new set is written beside it and switched in by
 * renames; `predict` and `serve` refuse members of different trainings; a training killed at
 * any moment (kill -9 at named points) leaves either the old set or the new one, never a mix,
 * and the next use clears what it left.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-model-set-'));
const algorithms = [
  { name: 'lc', algo: 'lc', train: { C: 1 } },
  { name: 'lc2', algo: 'lc', train: { C: 0.05 } },
];
const frame = syntheticFrame(1500, 3);
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function loadError(config: ReturnType<typeof testConfig>): Promise<string> {
  try {
    await loadModelSet(config);
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('loading succeeded');
}

const manifestsOf = (folder: string) => Object.fromEntries(['y_lc.json', 'y_lc2.json'].map((f) => [f, fs.readFileSync(path.join(folder, f), 'utf8')]));
const trainingIdOf = (folder: string, member: string) => (JSON.parse(fs.readFileSync(path.join(folder, `${member}.json`), 'utf8')) as { training_id?: string }).training_id;

describe('a model set', () => {
  it('members of different trainings are refused in one sentence naming them', async () => {
    const a = path.join(dir, 'mixed-a');
    const b = path.join(dir, 'mixed-b');
    await trainAll(testConfig(dir, { algorithms, model_folder: a }), frame);
    await trainAll(testConfig(dir, { algorithms, model_folder: b }), frame.slice(100));
    // A member of the second training copied over the first's, as a half-finished copy or a killed training would leave it.
    for (const f of fs.readdirSync(b).filter((n) => n.startsWith('y_lc2.'))) fs.copyFileSync(path.join(b, f), path.join(a, f));
    const message = await loadError(testConfig(dir, { algorithms, model_folder: a }));
    expect(message).toBe(`the models in ${a} come from different trainings (y_lc2 from training ${trainingIdOf(b, 'y_lc2')}; the set's training ${readSetFile(a)!.training_id}): retrain with \`itb train\``);
    // Without the set file the manifests' training ids still tell.
    fs.rmSync(path.join(a, SET_FILE));
    expect(await loadError(testConfig(dir, { algorithms, model_folder: a }))).toMatch(/^the models in .* come from different trainings \(y_lc2 from training .*; y_lc from training .*\): retrain with `itb train`$/);
  });

  it('a folder of an earlier version (no set file, no training ids) still loads; one member of that kind beside a newer one does not', async () => {
    const legacy = path.join(dir, 'legacy');
    await trainAll(testConfig(dir, { algorithms, model_folder: legacy }), frame);
    fs.rmSync(path.join(legacy, SET_FILE));
    const strip = (member: string) => {
      const file = path.join(legacy, `${member}.json`);
      const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete m.training_id;
      fs.writeFileSync(file, JSON.stringify(m));
    };
    strip('y_lc');
    expect(await loadError(testConfig(dir, { algorithms, model_folder: legacy }))).toMatch(/\(y_lc from an earlier version; y_lc2 from training .*\)/);
    strip('y_lc2');
    expect((await loadModelSet(testConfig(dir, { algorithms, model_folder: legacy }))).scoreColumns).toEqual(['y_lc', 'y_lc2']);
  });

  it('is replaced whole: the old set is kept once as .previous, files that are not models are carried over', async () => {
    const folder = path.join(dir, 'replace');
    const config = testConfig(dir, { algorithms, model_folder: folder });
    await trainAll(config, frame);
    const first = readSetFile(folder)!.training_id;
    fs.writeFileSync(path.join(folder, 'y_lc.pickle'), 'the original bot’s model');
    fs.writeFileSync(path.join(folder, 'training.txt'), '# the first training\n');
    await trainAll(config, frame.slice(10));
    const second = readSetFile(folder)!;
    expect(second.training_id).not.toBe(first);
    expect(second.members).toEqual(['y_lc', 'y_lc2']);
    expect([trainingIdOf(folder, 'y_lc'), trainingIdOf(folder, 'y_lc2')]).toEqual([second.training_id, second.training_id]);
    expect(fs.readFileSync(path.join(folder, 'y_lc.pickle'), 'utf8')).toBe('the original bot’s model');
    expect(fs.readFileSync(path.join(folder, 'training.txt'), 'utf8')).toBe('# the first training\n');
    expect(readSetFile(`${folder}.previous`)!.training_id).toBe(first);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('replace'))).toEqual(['replace', 'replace.previous']);
  });
});

describe('itb train killed (kill -9) while it writes a new set', () => {
  const data = path.join(dir, 'cli');
  const config = testConfig(data, { algorithms, symbol: 'BTCUSDT' });
  const models = path.join(data, 'BTCUSDT', 'MODELS');
  const configFile = path.join(data, 'config.jsonc');

  beforeAll(() => {
    writeCsv(path.join(data, 'BTCUSDT', 'matrix.csv'), frame);
    fs.writeFileSync(configFile, JSON.stringify({ data_folder: data, symbol: 'BTCUSDT', train_features: ['a', 'b', 'c'], labels: ['y'], algorithms }));
  });

  function itb(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['bin/itb.mjs', ...args, '-c', configFile], { env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
    return { child, exited };
  }

  /** Runs `itb train`, kills it with SIGKILL once it pauses at `point`. */
  async function killTrainingAt(point: string): Promise<void> {
    const marker = path.join(data, `paused-${point.replace(/\W/g, '-')}`);
    const train = itb(['train'], { ITB_PAUSE_AT: point, ITB_PAUSE_FILE: marker });
    const t0 = Date.now();
    while (!fs.existsSync(marker) && train.child.exitCode === null && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    expect(fs.existsSync(marker), `itb train reached ${point}`).toBe(true);
    train.child.kill('SIGKILL');
    await train.exited;
  }

  const siblings = () => fs.readdirSync(path.dirname(models)).filter((f) => f.startsWith('MODELS'));
  const temps = () => fs.readdirSync(models).filter((f) => f.endsWith('.tmp'));

  for (const [point, what] of [
    ['models:staged-1', 'after the first new model was written'],
    ['models:staged', 'after the whole new set was written, before the switch'],
  ] as const) {
    it(`${what}: the old set stays in use, whole; the next itb predict clears what the killed training left`, async () => {
      await trainAll(config, frame);
      const before = manifestsOf(models);
      const id = readSetFile(models)!.training_id;
      await killTrainingAt(point);
      expect(manifestsOf(models)).toEqual(before);
      expect(siblings().some((s) => /^MODELS\.staging-\d+$/.test(s))).toBe(true);

      const predict = itb(['predict']);
      const r = await predict.exited;
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/removed .*MODELS\.staging-\d+, an unfinished model set left by a training that was stopped \(pid \d+\)/);
      expect(readSetFile(models)!.training_id).toBe(id);
      expect(manifestsOf(models)).toEqual(before);
      expect(siblings().filter((s) => s.includes('staging'))).toEqual([]);
      expect(temps()).toEqual([]);
    }, 120_000);
  }

  it('between the two renames of the switch: the next itb predict finishes the switch and uses the new set, whole', async () => {
    await trainAll(config, frame);
    const old = readSetFile(models)!.training_id;
    await killTrainingAt('models:switching');
    expect(fs.existsSync(models)).toBe(false);
    const staged = siblings().find((s) => s.startsWith('MODELS.staging-'))!;
    const fresh = readSetFile(path.join(path.dirname(models), staged))!.training_id;
    const stagedManifests = manifestsOf(path.join(path.dirname(models), staged));

    const r = await itb(['predict']).exited;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`model set ${fresh}: finished switching it into ${models}`);
    expect(readSetFile(models)!.training_id).toBe(fresh);
    expect(fresh).not.toBe(old);
    expect(manifestsOf(models)).toEqual(stagedManifests);
    expect(readSetFile(`${models}.previous`)!.training_id).toBe(old);
    expect(siblings().sort()).toEqual(['MODELS', 'MODELS.previous']);
    expect(readmePromises()).toContain(MODEL_SET_PROMISE);
  }, 120_000);
});
