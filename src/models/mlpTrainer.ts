import type { DenseLayer } from './mlp.ts';
import { seededPermutation, seededRandom } from './random.ts';
import type { FitProgress } from './types.ts';

/**
 * Trains the original's Keras MLP in plain typed-array loops: Dense layers with sigmoid
 * activations, a sigmoid output with binary cross-entropy (or a linear output with mean
 * squared error), Glorot-uniform initial weights, Adam with Keras's constants, mini-batches
 * over a seeded shuffle each epoch, early stopping on the epoch's mean training loss.
 *
 * A batch is processed a layer at a time with activations stored unit-major ([units × batch]),
 * so every inner loop runs over the batch: long, contiguous and free of call overhead. For
 * networks of this size it is several times faster than TensorFlow.js on wasm.
 */
export interface MlpTrainingOptions {
  layers: number[];
  learningRate: number;
  epochs: number;
  batchSize: number;
  minDelta: number;
  patience: number;
  seed: number;
  isRegression: boolean;
  progress(p: FitProgress): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

interface Layer {
  inputs: number;
  units: number;
  /** Unit-major [units × inputs]. */
  w: Float64Array;
  b: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
  /** Whether the output passes through σ (every layer but a regression output). */
  squash: boolean;
  /** Activations over the batch, [units × batch]. */
  a: Float64Array;
  /** Error signal at the pre-activations over the batch, [units × batch]. */
  delta: Float64Array;
}

export async function trainMlp(X: Float64Array, y: Float64Array, n: number, f: number, o: MlpTrainingOptions): Promise<{ layers: DenseLayer[]; epochs: number; loss: number }> {
  const random = seededRandom(o.seed);
  const cap = Math.max(1, Math.min(o.batchSize, n));
  const sizes = [f, ...o.layers, 1];
  const net: Layer[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const inputs = sizes[l - 1]!;
    const units = sizes[l]!;
    const limit = Math.sqrt(6 / (inputs + units));
    const w = new Float64Array(inputs * units);
    for (let k = 0; k < w.length; k++) w[k] = (2 * random() - 1) * limit;
    net.push({
      inputs,
      units,
      w,
      b: new Float64Array(units),
      gw: new Float64Array(w.length),
      gb: new Float64Array(units),
      mw: new Float64Array(w.length),
      vw: new Float64Array(w.length),
      mb: new Float64Array(units),
      vb: new Float64Array(units),
      squash: l < sizes.length - 1 || !o.isRegression,
      a: new Float64Array(units * cap),
      delta: new Float64Array(units * cap),
    });
  }
  const last = net[net.length - 1]!;
  /** The batch's inputs, feature-major [f × batch]. */
  const input = new Float64Array(f * cap);
  let step = 0;
  let best = Infinity;
  let wait = 0;
  let epochLoss = NaN;
  let epochsRun = 0;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = seededPermutation(n, random);
    let lossSum = 0;
    for (let start = 0; start < n; start += cap) {
      const size = Math.min(n, start + cap) - start;
      for (let b = 0; b < size; b++) {
        const row = order[start + b]! * f;
        for (let i = 0; i < f; i++) input[i * cap + b] = X[row + i]!;
      }
      let below: Float64Array = input;
      for (const L of net) {
        forward(L, below, cap, size);
        below = L.a;
      }
      // The output's error: p − y for σ with cross-entropy, 2(z − y) for squared error.
      const out = last.a;
      const d = last.delta;
      for (let b = 0; b < size; b++) {
        const t = y[order[start + b]!]!;
        const v = out[b]!;
        if (o.isRegression) {
          lossSum += (v - t) ** 2;
          d[b] = 2 * (v - t);
        } else {
          const p = Math.min(1 - EPSILON, Math.max(EPSILON, v));
          lossSum += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
          d[b] = v - t;
        }
      }
      for (let l = net.length - 1; l >= 0; l--) backward(net[l]!, l > 0 ? net[l - 1]! : null, l > 0 ? net[l - 1]!.a : input, cap, size);
      step++;
      const lr = (o.learningRate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
      for (const L of net) {
        adam(L.w, L.gw, L.mw, L.vw, lr, size);
        adam(L.b, L.gb, L.mb, L.vb, lr, size);
      }
    }
    epochLoss = lossSum / n;
    epochsRun = epoch + 1;
    o.progress({ done: epochsRun, total: o.epochs, unit: 'epochs', loss: epochLoss });
    await new Promise((r) => setImmediate(r)); // lets a cancel (worker termination) through between epochs
    // Keras EarlyStopping on "loss", mode min: an improvement must beat the best by min_delta.
    if (epochLoss < best - o.minDelta) {
      best = epochLoss;
      wait = 0;
    } else if (++wait >= o.patience) {
      break;
    }
  }
  const layers: DenseLayer[] = net.map((L) => ({
    inputs: L.inputs,
    units: L.units,
    kernel: inputMajor(L),
    bias: Float32Array.from(L.b),
    activation: L.squash ? 'sigmoid' : 'linear',
  }));
  return { layers, epochs: epochsRun, loss: epochLoss };
}

/** a[u][·] = act(b[u] + Σᵢ w[u][i]·input[i][·]) over the batch. */
function forward(L: Layer, input: Float64Array, cap: number, size: number): void {
  const { inputs, units, w, b, a, squash } = L;
  for (let u = 0; u < units; u++) {
    const au = u * cap;
    const bias = b[u]!;
    for (let k = 0; k < size; k++) a[au + k] = bias;
    for (let i = 0; i < inputs; i++) {
      const wi = w[u * inputs + i]!;
      const xi = i * cap;
      for (let k = 0; k < size; k++) a[au + k]! += wi * input[xi + k]!;
    }
    if (squash) {
      for (let k = 0; k < size; k++) {
        const z = a[au + k]!;
        const e = Math.exp(-Math.abs(z));
        a[au + k] = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      }
    }
  }
}

/**
 * From this layer's error over the batch: its gradients (one contiguous dot product per
 * weight) and, when there is a layer beneath, that layer's error through its sigmoid.
 */
function backward(L: Layer, beneath: Layer | null, input: Float64Array, cap: number, size: number): void {
  const { inputs, units, w, gw, gb, delta } = L;
  const end4 = size - (size % 4);
  for (let u = 0; u < units; u++) {
    const du = u * cap;
    let g = 0;
    for (let k = 0; k < size; k++) g += delta[du + k]!;
    gb[u] = g;
    for (let i = 0; i < inputs; i++) {
      const xi = i * cap;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k < end4; k += 4) {
        s0 += delta[du + k]! * input[xi + k]!;
        s1 += delta[du + k + 1]! * input[xi + k + 1]!;
        s2 += delta[du + k + 2]! * input[xi + k + 2]!;
        s3 += delta[du + k + 3]! * input[xi + k + 3]!;
      }
      for (; k < size; k++) s0 += delta[du + k]! * input[xi + k]!;
      gw[u * inputs + i] = s0 + s1 + (s2 + s3);
    }
  }
  if (!beneath) return;
  const below = beneath.delta;
  for (let i = 0; i < inputs; i++) {
    const xi = i * cap;
    for (let k = 0; k < size; k++) below[xi + k] = 0;
    for (let u = 0; u < units; u++) {
      const wui = w[u * inputs + i]!;
      const du = u * cap;
      for (let k = 0; k < size; k++) below[xi + k]! += wui * delta[du + k]!;
    }
    for (let k = 0; k < size; k++) {
      const v = input[xi + k]!;
      below[xi + k]! *= v * (1 - v);
    }
  }
}

/** The kernel in Keras's layout, [inputs × units]. */
function inputMajor(L: Layer): Float32Array {
  const k = new Float32Array(L.inputs * L.units);
  for (let u = 0; u < L.units; u++) for (let i = 0; i < L.inputs; i++) k[i * L.units + u] = L.w[u * L.inputs + i]!;
  return k;
}

function adam(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, lr: number, batch: number): void {
  for (let k = 0; k < w.length; k++) {
    const gk = g[k]! / batch;
    m[k] = BETA1 * m[k]! + (1 - BETA1) * gk;
    v[k] = BETA2 * v[k]! + (1 - BETA2) * gk * gk;
    w[k]! -= (lr * m[k]!) / (Math.sqrt(v[k]!) + EPSILON);
  }
}
