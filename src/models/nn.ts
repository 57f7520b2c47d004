import { UserError } from '../shared/errors.ts';
import { createRequire } from 'node:module';
import type { AlgorithmDef } from '../config/schema.ts';
import { layersFromTfjsArtifacts, MlpPredictor, tfjsArtifactsOfLayers } from './mlp.ts';
import { trainMlp } from './mlpTrainer.ts';
import { seededPermutation, seededRandom } from './random.ts';
import { tfjs, tfjsVersion } from './tfjsRuntime.ts';
import { textDecoder, textEncoder, type Algorithm, type FitContext, type FitResult } from './types.ts';

/**
 * `nn`: the original's Keras MLP in TensorFlow.js — Dense layers from `params.layers`
 * (default [n_features // 4]) with sigmoid activations, a sigmoid (or, for regression,
 * linear) output, Adam(`learning_rate`), `n_epochs`, batch `bs`, early stopping on the
 * training loss (min_delta 1e-5, patience 5, overridable by `train.es`). Rows are
 * shuffled every epoch with a seeded permutation and the initial weights are seeded.
 *
 * Two trainers produce the same network and the same files (tfjs layers-model artifacts):
 * TensorFlow.js, used when @tensorflow/tfjs-node is installed or `train.engine` is "tfjs",
 * and otherwise a typed-array trainer (mlpTrainer.ts), several times faster than tfjs on
 * wasm for networks this small (`train.engine: "js"` forces it).
 */

function num(v: unknown, fallback: number, what: string): number {
  if (v === undefined || v === null) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new UserError(`algorithm nn: train.${what} must be a positive number, got ${JSON.stringify(v)}`);
  return x;
}

interface NnSettings {
  lr: number;
  epochs: number;
  batchSize: number;
  es: { min_delta: number; patience: number };
  layers: number[];
}

function settings(def: AlgorithmDef, f: number): NnSettings {
  const train = def.train ?? {};
  let layers = def.params?.layers ?? null;
  if (!layers || !layers.length) layers = [Math.max(1, Math.floor(f / 4))];
  return {
    lr: num(train.learning_rate, 0.001, 'learning_rate'),
    epochs: Math.round(num(train.n_epochs, 1, 'n_epochs')),
    batchSize: Math.round(num(train.bs, 32, 'bs')),
    es: { min_delta: 1e-5, patience: 5, ...((train.es as Record<string, number> | undefined) ?? {}) },
    layers,
  };
}

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

export function nnEngine(def: AlgorithmDef): 'tfjs' | 'js' {
  const engine = def.train?.engine;
  if (engine === 'tfjs' || engine === 'js') return engine;
  if (engine !== undefined && engine !== null) throw new UserError(`algorithm ${def.name}: train.engine must be "js" or "tfjs", got ${JSON.stringify(engine)}`);
  return tfjsNodeInstalled() ? 'tfjs' : 'js';
}

async function fitWithTypedArrays(X: Float64Array, y: Float64Array, n: number, f: number, s: NnSettings, ctx: FitContext): Promise<FitResult> {
  const r = await trainMlp(X, y, n, f, {
    layers: s.layers,
    learningRate: s.lr,
    epochs: s.epochs,
    batchSize: s.batchSize,
    minDelta: s.es.min_delta,
    patience: s.es.patience,
    seed: ctx.seed,
    isRegression: ctx.isRegression,
    progress: ctx.progress,
  });
  const art = tfjsArtifactsOfLayers(r.layers, tfjsVersion());
  return {
    weights: {
      'nn.json': textEncoder.encode(JSON.stringify({ format: 'layers-model', modelTopology: art.modelTopology, weightSpecs: art.weightSpecs })),
      'nn.bin': art.weightData,
    },
    info: { engine: 'js', epochs: r.epochs, final_loss: r.loss, layers: s.layers, learning_rate: s.lr, batch_size: s.batchSize },
  };
}

async function fitWithTfjs(X: Float64Array, y: Float64Array, n: number, f: number, s: NnSettings, ctx: FitContext): Promise<FitResult> {
  const { tf, tfl, backend } = await tfjs();
  const { lr, epochs, batchSize, es, layers } = s;

  const model = tfl.sequential();
  layers.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        activation: 'sigmoid',
        inputShape: i === 0 ? [f] : undefined,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: ctx.seed + i }),
      }),
    );
  });
  model.add(
    tfl.layers.dense({
      units: 1,
      activation: ctx.isRegression ? 'linear' : 'sigmoid',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: ctx.seed + layers.length }),
    }),
  );
  model.compile({ optimizer: tf.train.adam(lr), loss: ctx.isRegression ? 'meanSquaredError' : 'binaryCrossentropy' });

  const xs = tf.tensor2d(Float32Array.from(X), [n, f]);
  const ys = tf.tensor2d(Float32Array.from(y), [n, 1]);
  const random = seededRandom(ctx.seed);
  let best = Infinity;
  let wait = 0;
  let epochsRun = 0;
  let lastLoss = NaN;
  try {
    for (let e = 0; e < epochs; e++) {
      const order = tf.tensor1d(seededPermutation(n, random), 'int32');
      const xe = tf.gather(xs, order);
      const ye = tf.gather(ys, order);
      const h = await model.fit(xe, ye, { batchSize, epochs: 1, shuffle: false, verbose: 0 });
      tf.dispose([order, xe, ye]);
      lastLoss = Number(h.history.loss?.[0]);
      epochsRun = e + 1;
      ctx.progress({ done: epochsRun, total: epochs, unit: 'epochs', loss: lastLoss });
      // Keras EarlyStopping on "loss", mode min: an improvement must beat the best by min_delta.
      if (lastLoss < best - es.min_delta) {
        best = lastLoss;
        wait = 0;
      } else if (++wait >= es.patience) {
        break;
      }
    }
    let saved: { modelTopology: unknown; weightSpecs: unknown; weightData: ArrayBuffer } | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        saved = {
          modelTopology: artifacts.modelTopology,
          weightSpecs: artifacts.weightSpecs,
          weightData: Array.isArray(data) ? (tf.io.concatenateArrayBuffers(data) as ArrayBuffer) : (data as ArrayBuffer),
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!saved) throw new Error('nn: the model was not saved');
    return {
      weights: {
        'nn.json': textEncoder.encode(JSON.stringify({ format: 'layers-model', modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs })),
        'nn.bin': new Uint8Array(saved.weightData),
      },
      info: { engine: 'tfjs', backend, epochs: epochsRun, final_loss: lastLoss, layers, learning_rate: lr, batch_size: batchSize },
    };
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

export const nn: Algorithm = {
  async fit(X, y, n, f, def, ctx) {
    const s = settings(def, f);
    return nnEngine(def) === 'tfjs' ? fitWithTfjs(X, y, n, f, s, ctx) : fitWithTypedArrays(X, y, n, f, s, ctx);
  },
  async load(weights, f) {
    const meta = JSON.parse(textDecoder.decode(weights['nn.json'])) as { modelTopology: unknown; weightSpecs: Array<{ name: string; shape: number[]; dtype: string }> };
    const layers = layersFromTfjsArtifacts(meta.modelTopology, meta.weightSpecs, weights['nn.bin']!);
    if (layers[0]!.inputs !== f) throw new UserError(`the nn weights take ${layers[0]!.inputs} inputs but the model has ${f} features`);
    return new MlpPredictor(layers);
  },
  libraries: () => ({ '@tensorflow/tfjs': tfjsVersion() }),
};
