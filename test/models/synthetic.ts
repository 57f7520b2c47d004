import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { Frame } from '../../src/core/frame.ts';
import { seededRandom } from '../../src/models/random.ts';

/** A standard normal draw from a seeded uniform source (Box–Muller). */
export function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A table whose label follows a known logistic model: P(y=1) = σ(1.5·a − 1·b + 0·c − 0.5).
 * `c` is noise around a price-like level (tests scaling); `target` is a linear regression target.
 */
export function syntheticFrame(n: number, seed = 11): Frame {
  const g = normal(seededRandom(seed));
  const u = seededRandom(seed + 1);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const y = new Float64Array(n);
  const target = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = g();
    b[i] = g();
    c[i] = 90_000 + 100 * g();
    const z = 1.5 * a[i]! - 1 * b[i]! - 0.5;
    y[i] = u() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    target[i] = 2 * a[i]! - 3 * b[i]! + 0.1 * g();
  }
  const frame = new Frame(Float64Array.from({ length: n }, (_, i) => Date.UTC(2025, 0, 1) + i * 60_000));
  frame.set('close', c).set('a', a).set('b', b).set('c', c).set('y', y, 'int').set('target', target);
  return frame;
}

/** AUC a perfect model of syntheticFrame reaches (its scores are the true probabilities). */
export function bayesScores(frame: Frame): Float64Array {
  const a = frame.get('a');
  const b = frame.get('b');
  return a.map((_, i) => 1 / (1 + Math.exp(-(1.5 * a[i]! - b[i]! - 0.5))));
}

export function testConfig(folder: string, extra: Record<string, unknown>): Config {
  return buildConfig({ data_folder: folder, symbol: 'TEST', train_features: ['a', 'b', 'c'], labels: ['y'], ...extra }, { env: {} }).config;
}
