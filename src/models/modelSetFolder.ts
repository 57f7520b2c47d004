import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import { log as rootLog, type Logger } from '../log.ts';
import { pausePoint } from '../pausePoint.ts';
import { processRunning, removeStrayTemps, writeFileAtomic } from '../storage/atomic.ts';
import { saveModel, type ModelManifest } from './modelFiles.ts';
import type { ModelArtifact } from './types.ts';

/**
 * A model folder (MODELS/) holds one set: the models of one training, each manifest carrying
 * its `training_id`, and `model-set.json` naming the training and its members. A new set is
 * written whole into `<folder>.staging-<pid>` beside the folder (the set file last), then
 * switched in by two renames: the folder to `<folder>.previous`, the staging folder to the
 * folder. Whoever next uses the folder finishes a switch a kill interrupted and removes what
 * dead processes left half-written. See docs/model-format.md.
 */

export const SET_FILE = 'model-set.json';
export const SET_FORMAT = 'itb-ts-model-set';

export interface ModelSetFile {
  format: typeof SET_FORMAT;
  format_version: 1;
  training_id: string;
  created_at: string;
  /** Score columns of the set's models. */
  members: string[];
}

/** A new training's id: its UTC time and a random suffix (`20251130T120501Z-1a2b3c`). */
export function newTrainingId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** The set file of a folder; null when it has none (a folder of an earlier version, or no folder). */
export function readSetFile(folder: string): ModelSetFile | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(folder, SET_FILE), 'utf8')) as ModelSetFile;
    return s.format === SET_FORMAT && typeof s.training_id === 'string' && Array.isArray(s.members) ? s : null;
  } catch {
    return null;
  }
}

const STAGING = '.staging-';

/**
 * Finishes or cleans up after a training that was killed: a complete set staged by a dead
 * process is switched in when the folder is missing (the kill fell between the two renames),
 * otherwise removed; temporary files of dead processes are removed from the folder. Never
 * touches what a running process is writing. Problems are logged, not thrown (a read-only
 * folder can still be read).
 */
export function settleModelFolder(folder: string, log: Logger = rootLog()): void {
  const parent = path.dirname(folder);
  const base = path.basename(folder);
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  try {
    for (const name of names) {
      if (!name.startsWith(base + STAGING)) continue;
      const pid = Number(name.slice(base.length + STAGING.length));
      if (!Number.isInteger(pid) || pid === process.pid || processRunning(pid)) continue;
      const staged = path.join(parent, name);
      const set = readSetFile(staged);
      if (set && !fs.existsSync(folder)) {
        fs.renameSync(staged, folder);
        log.warn(`model set ${set.training_id}: finished switching it into ${folder} (its training was stopped between the two renames)`);
      } else {
        fs.rmSync(staged, { recursive: true, force: true });
        log.warn(`removed ${staged}, an unfinished model set left by a training that was stopped (pid ${pid}); ${folder} is unchanged`);
      }
    }
    const temps = removeStrayTemps(folder);
    if (temps.length) log.warn(`removed ${temps.length} temporary file(s) that a stopped process left in ${folder}: ${temps.join(', ')}`);
  } catch (e) {
    log.warn(`could not tidy the model folder ${folder}: ${(e as Error).message}`);
  }
}

/** Links (or copies) a file or folder into the staging folder. */
function carryOver(from: string, to: string): void {
  if (fs.statSync(from).isDirectory()) {
    fs.cpSync(from, to, { recursive: true });
    return;
  }
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

function fsyncFolder(folder: string): void {
  try {
    const fd = fs.openSync(folder, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not every platform can sync a directory */
  }
}

/**
 * Writes the models of one training as a new set of `folder` and switches it in. Files of the
 * old folder that the new set does not write (training.txt, models of algorithms no longer in
 * the config, the original's pickles) are carried over; the old set is kept as
 * `<folder>.previous` until the next switch.
 */
export function saveModelSet(folder: string, artifacts: ModelArtifact[], trainingId: string, log: Logger = rootLog()): ModelManifest[] {
  settleModelFolder(folder, log);
  const staging = `${folder}${STAGING}${process.pid}`;
  const previous = `${folder}.previous`;
  let movedAside = false;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    const manifests = artifacts.map((a, i) => {
      const m = saveModel(staging, a, trainingId);
      pausePoint(`models:staged-${i + 1}`);
      return m;
    });
    const written = new Set(fs.readdirSync(staging));
    if (fs.existsSync(folder)) {
      for (const name of fs.readdirSync(folder)) {
        if (written.has(name) || name === SET_FILE || name.endsWith('.tmp')) continue;
        carryOver(path.join(folder, name), path.join(staging, name));
      }
    }
    const set: ModelSetFile = { format: SET_FORMAT, format_version: 1, training_id: trainingId, created_at: new Date().toISOString(), members: artifacts.map((a) => a.scoreColumn) };
    writeFileAtomic(path.join(staging, SET_FILE), JSON.stringify(set, null, 2) + '\n');
    fsyncFolder(staging);
    pausePoint('models:staged');
    fs.rmSync(previous, { recursive: true, force: true });
    if (fs.existsSync(folder)) {
      fs.renameSync(folder, previous);
      movedAside = true;
    }
    pausePoint('models:switching');
    fs.renameSync(staging, folder);
    fsyncFolder(path.dirname(folder));
    return manifests;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (movedAside && !fs.existsSync(folder)) fs.renameSync(previous, folder);
    throw e;
  }
}

/**
 * Checks that the models loaded from `folder` belong to one training: the one its set file names,
 * or (a folder without a set file) one and the same among them. A folder of an earlier version,
 * whose manifests carry no training id at all, is accepted as it is.
 */
export function checkOneTraining(folder: string, manifests: ModelManifest[]): void {
  const set = readSetFile(folder);
  const expected = set?.training_id ?? manifests.find((m) => m.training_id)?.training_id;
  if (expected === undefined) return;
  const odd = manifests.filter((m) => m.training_id !== expected);
  if (!odd.length) return;
  const fromWhat = (m: ModelManifest) => `${m.score_column} from ${m.training_id ? `training ${m.training_id}` : 'an earlier version'}`;
  const latest = set ? `the set's training ${expected}` : `${manifests.find((m) => m.training_id === expected)!.score_column} from training ${expected}`;
  throw new UserError(`the models in ${folder} come from different trainings (${odd.map(fromWhat).join(', ')}; ${latest}): retrain with \`itb train\``);
}
