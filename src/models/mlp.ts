import { UserError } from '../shared/errors.ts';
import type { Predictor } from './types.ts';
import { sigmoid } from './sigmoid.ts';

/**
 * The forward pass of a dense network in plain typed-array loops. Prediction never needs
 * TensorFlow.js: one row takes microseconds, and the service does not load tfjs at all.
 */
export interface DenseLayer {
  inputs: number;
  units: number;
  /** Row-major [inputs × units], as Keras/tfjs store a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'sigmoid' | 'linear' | 'relu' | 'tanh';
}

function activate(kind: DenseLayer['activation'], z: number): number {
  switch (kind) {
    case 'sigmoid':
      return sigmoid(z);
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return Math.tanh(z);
    default:
      return z;
  }
}

export class MlpPredictor implements Predictor {
  private readonly buffers: Float64Array[];
  constructor(private readonly layers: DenseLayer[]) {
    this.buffers = layers.map((l) => new Float64Array(l.units));
  }

  predict(X: Float64Array, n: number): Float64Array {
    const f = this.layers[0]!.inputs;
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let input: Float64Array = X.subarray(r * f, r * f + f);
      for (let li = 0; li < this.layers.length; li++) {
        const { inputs, units, kernel, bias, activation } = this.layers[li]!;
        const h = this.buffers[li]!;
        for (let u = 0; u < units; u++) h[u] = bias[u]!;
        for (let i = 0; i < inputs; i++) {
          const v = input[i]!;
          const row = i * units;
          for (let u = 0; u < units; u++) h[u]! += v * kernel[row + u]!;
        }
        for (let u = 0; u < units; u++) h[u] = activate(activation, h[u]!);
        input = h;
      }
      out[r] = input[0]!;
    }
    return out;
  }
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

/**
 * Rebuilds the layers from tfjs's saved artifacts: the topology (for activations) and the
 * weight specs with their float32 data (kernel then bias, layer after layer).
 */
export function layersFromTfjsArtifacts(topology: unknown, specs: WeightSpec[], data: Uint8Array): DenseLayer[] {
  const cfg = (topology as { config?: { layers?: Array<{ class_name: string; config: { units?: number; activation?: string } }> } })?.config;
  const dense = (cfg?.layers ?? []).filter((l) => l.class_name === 'Dense');
  const aligned = new Uint8Array(data).buffer; // copy: Float32Array needs 4-byte alignment
  let offset = 0;
  const layers: DenseLayer[] = [];
  for (let i = 0; i < dense.length; i++) {
    const k = specs[2 * i];
    const b = specs[2 * i + 1];
    if (!k || !b || k.shape.length !== 2 || k.dtype !== 'float32' || b.dtype !== 'float32') {
      throw new UserError('the nn weights file does not match its topology (expected a kernel and a bias per Dense layer)');
    }
    const [inputs, units] = k.shape as [number, number];
    const kernel = new Float32Array(aligned, offset, inputs * units);
    offset += inputs * units * 4;
    const bias = new Float32Array(aligned, offset, units);
    offset += units * 4;
    const act = dense[i]!.config.activation ?? 'linear';
    if (!['sigmoid', 'linear', 'relu', 'tanh'].includes(act)) throw new UserError(`the nn model uses activation "${act}", which is not supported`);
    layers.push({ inputs, units, kernel, bias, activation: act as DenseLayer['activation'] });
  }
  if (!layers.length || offset !== aligned.byteLength) throw new UserError('the nn weights file does not match its topology');
  return layers;
}

/**
 * TensorFlow.js "layers-model" artifacts of dense layers (topology, weight specs, float32
 * data), so that models trained by the typed-array trainer load in tfjs as well.
 */
export function tfjsArtifactsOfLayers(layers: DenseLayer[], tfjsVersion: string): { modelTopology: unknown; weightSpecs: WeightSpec[]; weightData: Uint8Array } {
  const specs: WeightSpec[] = [];
  const configs = layers.map((l, i) => {
    const name = `dense_Dense${i + 1}`;
    specs.push({ name: `${name}/kernel`, shape: [l.inputs, l.units], dtype: 'float32' }, { name: `${name}/bias`, shape: [l.units], dtype: 'float32' });
    return {
      class_name: 'Dense',
      config: {
        units: l.units,
        activation: l.activation,
        use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        name,
        trainable: true,
        dtype: 'float32',
        ...(i === 0 ? { batch_input_shape: [null, l.inputs] } : {}),
      },
    };
  });
  const size = layers.reduce((s, l) => s + (l.kernel.length + l.bias.length) * 4, 0);
  const data = new Uint8Array(size);
  let at = 0;
  for (const l of layers) {
    for (const part of [l.kernel, l.bias]) {
      data.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
      at += part.byteLength;
    }
  }
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential_1', layers: configs }, keras_version: `tfjs-layers ${tfjsVersion}`, backend: 'tensor_flow.js' },
    weightSpecs: specs,
    weightData: data,
  };
}
