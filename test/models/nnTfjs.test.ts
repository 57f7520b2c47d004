import { describe, expect, it } from 'vitest';
import { layersFromTfjsArtifacts, MlpPredictor } from '../../src/models/mlp.ts';
import { nn } from '../../src/models/nn.ts';
import { tfjs } from '../../src/models/tfjsRuntime.ts';
import { textDecoder } from '../../src/models/types.ts';
import { syntheticFrame } from './synthetic.ts';

describe('nn files are TensorFlow.js layers models', () => {
  it('a network from the typed-array trainer loads in tfjs and predicts what our forward pass predicts', async () => {
    const frame = syntheticFrame(600, 4);
    const f = 2;
    const X = new Float64Array(600 * f);
    for (let i = 0; i < 600; i++) {
      X[i * f] = frame.get('a')[i]!;
      X[i * f + 1] = frame.get('b')[i]!;
    }
    const def = { name: 'nn', algo: 'nn' as const, params: { layers: [5, 3] }, train: { n_epochs: 3, bs: 32, learning_rate: 0.01, engine: 'js' } };
    const fit = await nn.fit(X, frame.get('y'), 600, f, def, { seed: 3, isRegression: false, labelHorizon: 0, progress: () => {} });
    const meta = JSON.parse(textDecoder.decode(fit.weights['nn.json']));
    const ours = new MlpPredictor(layersFromTfjsArtifacts(meta.modelTopology, meta.weightSpecs, fit.weights['nn.bin']!)).predict(X, 600);

    const { tf, tfl } = await tfjs();
    const data = fit.weights['nn.bin']!;
    const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: meta.modelTopology, weightSpecs: meta.weightSpecs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer }));
    const theirs = (await (model.predict(tf.tensor2d(Float32Array.from(X), [600, f]), { batchSize: 600 }) as import('@tensorflow/tfjs-core').Tensor).data()) as Float32Array;
    let worst = 0;
    for (let i = 0; i < 600; i++) worst = Math.max(worst, Math.abs(theirs[i]! - ours[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(0.1);
  });
});
