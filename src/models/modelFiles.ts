import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AlgorithmDef } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { ScoreCalibration } from '../core/signals/calibration.ts';
import { formatTime } from '../core/time.ts';
import { writeFileAtomic } from '../storage/atomic.ts';
import { algorithm } from './algorithms.ts';
import type { Scaler } from './scaler.ts';
import type { ModelArtifact, Predictor } from './types.ts';

/**
 * Model files (docs/model-format.md): `<score column>.json`, a manifest, beside the weight
 * files `<score column>.<suffix>` it lists with their sha256. Weights are written first and
 * the manifest last, each atomically, so a reader never pairs a manifest with other weights;
 * a whole set is switched in at once (modelSetFolder.ts).
 */

export const MODEL_FORMAT = 'itb-ts-model';
export const MODEL_FORMAT_VERSION = 1;

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  format_version: number;
  score_column: string;
  label: string;
  name: string;
  algo: AlgorithmDef['algo'];
  params: Record<string, unknown>;
  train: Record<string, unknown>;
  is_regression: boolean;
  features: string[];
  scaler: Scaler | null;
  training: { rows: number; start: string; end: string; fingerprint: string; label_mean: number; seconds: number };
  metrics: Record<string, number>;
  /** Base rate and score quantiles on the training rows (absent in models of earlier versions). */
  calibration?: ScoreCalibration;
  fit: Record<string, unknown>;
  libraries: Record<string, string>;
  weights: Array<{ file: string; sha256: string; bytes: number }>;
  created_at: string;
  /** The training that wrote this model's set (model-set.json); absent in folders of earlier versions. */
  training_id?: string;
}

export interface LoadedModel {
  manifest: ModelManifest;
  scoreColumn: string;
  features: string[];
  scaler: Scaler | null;
  predictor: Predictor;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export function manifestFile(folder: string, scoreColumn: string): string {
  return path.join(folder, `${scoreColumn}.json`);
}

export function manifestOf(a: ModelArtifact, trainingId?: string, createdAt = new Date()): ModelManifest {
  return {
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    score_column: a.scoreColumn,
    label: a.label,
    name: a.def.name,
    algo: a.def.algo,
    params: { ...(a.def.params ?? {}) },
    train: { ...(a.def.train ?? {}) },
    is_regression: a.isRegression,
    features: a.features,
    scaler: a.scaler,
    training: {
      rows: a.training.rows,
      start: formatTime(a.training.start),
      end: formatTime(a.training.end),
      fingerprint: a.training.fingerprint,
      label_mean: a.training.labelMean,
      seconds: a.training.seconds,
    },
    metrics: a.training.metrics,
    calibration: a.training.calibration,
    fit: a.fit.info,
    libraries: { node: process.versions.node, ...a.libraries },
    weights: Object.entries(a.fit.weights).map(([suffix, data]) => ({ file: `${a.scoreColumn}.${suffix}`, sha256: sha256(data), bytes: data.byteLength })),
    created_at: createdAt.toISOString(),
    ...(trainingId ? { training_id: trainingId } : {}),
  };
}

/** Writes a model's weights and then its manifest (into a set's staging folder: modelSetFolder.ts). */
export function saveModel(folder: string, a: ModelArtifact, trainingId: string): ModelManifest {
  fs.mkdirSync(folder, { recursive: true });
  const manifest = manifestOf(a, trainingId);
  for (const [suffix, data] of Object.entries(a.fit.weights)) writeFileAtomic(path.join(folder, `${a.scoreColumn}.${suffix}`), data);
  writeFileAtomic(manifestFile(folder, a.scoreColumn), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Turns an artifact (fresh from training) into a model ready to predict, exactly as loading its files would. */
export async function modelFromArtifact(a: ModelArtifact, trainingId?: string): Promise<LoadedModel> {
  const manifest = manifestOf(a, trainingId);
  const predictor = await (await algorithm(a.def.algo)).load(a.fit.weights, a.features.length, a.isRegression);
  return { manifest, scoreColumn: a.scoreColumn, features: a.features, scaler: a.scaler, predictor };
}

function describeFeatureDifference(scoreColumn: string, trained: string[], wanted: string[]): string {
  const missing = wanted.filter((x) => !trained.includes(x));
  const extra = trained.filter((x) => !wanted.includes(x));
  const parts: string[] = [];
  if (missing.length) parts.push(`the config adds ${missing.join(', ')}`);
  if (extra.length) parts.push(`the config no longer has ${extra.join(', ')}`);
  if (!parts.length) parts.push(`the config lists the same features in another order (model: ${trained.join(', ')})`);
  return `model ${scoreColumn} was trained on other features than the config lists: ${parts.join('; ')} — retrain with \`itb train\``;
}

/**
 * Loads one model and checks it against what the config expects: its feature list (names
 * and order) and its algorithm. Every failure is one sentence naming the file or the difference.
 */
export async function loadModel(folder: string, scoreColumn: string, expect: { features: string[]; def?: AlgorithmDef }): Promise<LoadedModel> {
  const file = manifestFile(folder, scoreColumn);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`no model ${scoreColumn} in ${folder} (expected ${path.basename(file)}): train it first with \`itb train\``);
  }
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text) as ModelManifest;
  } catch {
    throw new UserError(`model file ${file} is not valid JSON (an interrupted copy?); retrain with \`itb train\``);
  }
  if (manifest.format !== MODEL_FORMAT || !Array.isArray(manifest.features) || !Array.isArray(manifest.weights)) {
    throw new UserError(`model file ${file} is not a model manifest of this bot (Python pickles cannot be read; retrain with \`itb train\`)`);
  }
  if (manifest.format_version > MODEL_FORMAT_VERSION) {
    throw new UserError(`model file ${file} has format version ${manifest.format_version}, newer than this program reads (${MODEL_FORMAT_VERSION})`);
  }
  const wanted = expect.features;
  if (manifest.features.length !== wanted.length || manifest.features.some((x, i) => x !== wanted[i])) {
    throw new UserError(describeFeatureDifference(scoreColumn, manifest.features, wanted));
  }
  if (expect.def && expect.def.algo !== manifest.algo) {
    throw new UserError(`model ${scoreColumn} is a ${manifest.algo} model but the config's algorithm ${expect.def.name} is ${expect.def.algo}; retrain with \`itb train\``);
  }
  const weights: Record<string, Uint8Array> = {};
  for (const w of manifest.weights) {
    const wf = path.join(folder, w.file);
    let data: Uint8Array;
    try {
      data = fs.readFileSync(wf);
    } catch {
      throw new UserError(`model ${scoreColumn}: its weights file ${w.file} is missing from ${folder}; retrain with \`itb train\``);
    }
    if (sha256(data) !== w.sha256) throw new UserError(`model ${scoreColumn}: its weights file ${w.file} does not match the manifest (changed or half-copied); retrain with \`itb train\``);
    weights[w.file.slice(scoreColumn.length + 1)] = data;
  }
  const predictor = await (await algorithm(manifest.algo)).load(weights, manifest.features.length, manifest.is_regression);
  return { manifest, scoreColumn, features: manifest.features, scaler: manifest.scaler, predictor };
}
