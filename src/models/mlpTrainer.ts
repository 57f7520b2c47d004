import type { DenseLayer } from './mlp.ts';
import { seededPermutation, seededRandom } from './random.ts';
import type { FitProgress } from './types.ts';
import { sigmoid } from './sigmoid.ts';

/**
 * Trains the original's Keras MLP in plain typed-array loops: Dense layers with sigmoid
 * activations, a sigmoid output with binary cross-entropy (or a linear output with mean
 * squared error), Glorot-uniform initial weights, Adam with Keras's constants, mini-batches
 * over a seeded shuffle each epoch, early stopping on the epoch's mean training loss.
 * For networks of this size it is several times faster than TensorFlow.js on wasm, whose
 * per-batch overhead dominates.
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
  /** Unit-major [units × inputs], so that a unit's pre-activation is one contiguous dot product. */
  w: Float64Array;
  b: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
  /** Activations of the current sample and the error signal at this layer's pre-activations. */
  a: Float64Array;
  delta: Float64Array;
}


export async function trainMlp(X: Float64Array, y: Float64Array, n: number, f: number, o: MlpTrainingOptions): Promise<{ layers: DenseLayer[]; epochs: number; loss: number }> {
  const random = seededRandom(o.seed);
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
      a: new Float64Array(units),
      delta: new Float64Array(units),
    });
  }
  const last = net.length - 1;
  let step = 0;
  let best = Infinity;
  let wait = 0;
  let epochLoss = NaN;
  let epochsRun = 0;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = seededPermutation(n, random);
    let lossSum = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      const end = Math.min(n, start + o.batchSize);
      const size = end - start;
      for (const L of net) {
        L.gw.fill(0);
        L.gb.fill(0);
      }
      for (let s = start; s < end; s++) {
        const row = order[s]! * f;
        forward(net[0]!, X, row, last > 0 || !o.isRegression);
        for (let l = 1; l <= last; l++) forward(net[l]!, net[l - 1]!.a, 0, l < last || !o.isRegression);
        const out = net[last]!.a[0]!;
        const t = y[order[s]!]!;
        if (o.isRegression) {
          lossSum += (out - t) ** 2;
          net[last]!.delta[0] = 2 * (out - t);
        } else {
          const p = Math.min(1 - EPSILON, Math.max(EPSILON, out));
          lossSum += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
          net[last]!.delta[0] = out - t;
        }
        for (let l = last; l > 0; l--) backward(net[l]!, net[l - 1]!.a, 0, net[l - 1]!.delta);
        backward(net[0]!, X, row, null);
      }
      // Adam on the batch-mean gradient
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
    if (epochLoss < best - o.minDelta) {
      best = epochLoss;
      wait = 0;
    } else if (++wait >= o.patience) {
      break;
    }
  }
  const layers: DenseLayer[] = net.map((L, l) => ({
    inputs: L.inputs,
    units: L.units,
    kernel: inputMajor(L),
    bias: Float32Array.from(L.b),
    activation: l < last || !o.isRegression ? 'sigmoid' : 'linear',
  }));
  return { layers, epochs: epochsRun, loss: epochLoss };
}

/** a = act(W·input + b) for one sample; input values start at `at`. Weights are unit-major. */
function forward(L: Layer, input: Float64Array, at: number, squash: boolean): void {
  const { inputs, units, w, b, a } = L;
  const end4 = inputs - (inputs % 4);
  for (let u = 0; u < units; u++) {
    const off = u * inputs;
    // four partial sums: a single running sum would wait on each addition's latency
    let z0 = b[u]!;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    let i = 0;
    for (; i < end4; i += 4) {
      z0 += input[at + i]! * w[off + i]!;
      z1 += input[at + i + 1]! * w[off + i + 1]!;
      z2 += input[at + i + 2]! * w[off + i + 2]!;
      z3 += input[at + i + 3]! * w[off + i + 3]!;
    }
    for (; i < inputs; i++) z0 += input[at + i]! * w[off + i]!;
    const z = z0 + z1 + (z2 + z3);
    a[u] = squash ? sigmoid(z) : z;
  }
}

/** Accumulates this layer's gradients and, when `below` is given, the error signal of the (sigmoid) layer beneath. */
function backward(L: Layer, input: Float64Array, at: number, below: Float64Array | null): void {
  const { inputs, units, w, gw, gb, delta } = L;
  if (below) below.fill(0);
  for (let u = 0; u < units; u++) {
    const d = delta[u]!;
    gb[u]! += d;
    const off = u * inputs;
    for (let i = 0; i < inputs; i++) gw[off + i]! += input[at + i]! * d;
    if (below) for (let i = 0; i < inputs; i++) below[i]! += w[off + i]! * d;
  }
  if (below) {
    for (let i = 0; i < inputs; i++) {
      const v = input[at + i]!;
      below[i]! *= v * (1 - v);
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
