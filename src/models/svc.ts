import { createRequire } from 'node:module';
import { UserError } from '../shared/errors.ts';
import { parseLibsvmModel } from './svmModel.ts';
import { textDecoder, textEncoder, type Algorithm } from './types.ts';

/**
 * `svc`: libsvm (compiled to WebAssembly by libsvm-js) as scikit-learn's SVC/SVR: RBF kernel
 * by default, `C`, `gamma` ("scale" = 1/(n_features·var(X)), "auto" = 1/n_features, or a
 * number), Platt-scaled probabilities for classification, epsilon-SVR for regression.
 * libsvm-js trains; the weights file is libsvm's own model text, scored by svmModel.ts.
 */

export interface LibsvmModel {
  train(samples: number[][], labels: number[]): void;
  serializeModel(): string;
  predict(samples: number[][]): number[];
  predictProbability(samples: number[][]): Array<{ prediction: number; estimates: Array<{ label: number; probability: number }> }>;
  free(): void;
}
export interface LibsvmClass {
  new (options: Record<string, unknown>): LibsvmModel;
  SVM_TYPES: Record<string, number>;
  KERNEL_TYPES: Record<string, number>;
}

let libsvm: Promise<LibsvmClass> | undefined;

/**
 * Loads libsvm-js, undoing two side effects of its emscripten start-up: a process-wide
 * `unhandledRejection` handler that exits the process, and console noise about falling
 * back from streaming wasm compilation (which Node cannot do from a file path).
 */
export function loadLibsvm(): Promise<LibsvmClass> {
  libsvm ??= (async () => {
    const require = createRequire(import.meta.url);
    const before = new Set(process.listeners('unhandledRejection'));
    const warn = console.warn;
    const noise = /wasm streaming compile failed|falling back to ArrayBuffer instantiation/;
    console.warn = (...args: unknown[]) => {
      if (!noise.test(String(args[0]))) warn(...args);
    };
    try {
      return await (require('libsvm-js') as Promise<LibsvmClass>);
    } finally {
      console.warn = warn;
      for (const l of process.listeners('unhandledRejection')) if (!before.has(l)) process.off('unhandledRejection', l);
    }
  })();
  return libsvm;
}

function rows(X: Float64Array, n: number, f: number): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from(X.subarray(i * f, i * f + f));
  return out;
}

function gammaOf(value: unknown, X: Float64Array, f: number, name: string): number {
  if (value === undefined || value === null || value === 'scale') {
    let mean = 0;
    for (let i = 0; i < X.length; i++) mean += X[i]!;
    mean /= X.length || 1;
    let v = 0;
    for (let i = 0; i < X.length; i++) v += (X[i]! - mean) ** 2;
    v /= X.length || 1;
    return v > 0 ? 1 / (f * v) : 1;
  }
  if (value === 'auto') return 1 / f;
  const g = Number(value);
  if (!(g > 0)) throw new UserError(`algorithm ${name}: train.gamma must be "scale", "auto" or a positive number, got ${JSON.stringify(value)}`);
  return g;
}

export const svc: Algorithm = {
  async fit(X, y, n, f, def, ctx) {
    const SVM = await loadLibsvm();
    const train = def.train ?? {};
    const kernels: Record<string, number> = { rbf: SVM.KERNEL_TYPES.RBF!, linear: SVM.KERNEL_TYPES.LINEAR!, poly: SVM.KERNEL_TYPES.POLYNOMIAL!, sigmoid: SVM.KERNEL_TYPES.SIGMOID! };
    const kernel = kernels[String(train.kernel ?? 'rbf')];
    if (kernel === undefined) throw new UserError(`algorithm ${def.name}: train.kernel must be one of ${Object.keys(kernels).join(', ')}`);
    const C = train.C === undefined ? 1 : Number(train.C);
    if (!(C > 0)) throw new UserError(`algorithm ${def.name}: train.C must be a positive number`);
    const gamma = gammaOf(train.gamma, X, f, def.name);
    const model = new SVM({
      type: ctx.isRegression ? SVM.SVM_TYPES.EPSILON_SVR : SVM.SVM_TYPES.C_SVC,
      kernel,
      gamma,
      cost: C,
      degree: Number(train.degree ?? 3),
      coef0: Number(train.coef0 ?? 0),
      epsilon: Number(train.epsilon ?? 0.1),
      tolerance: Number(train.tol ?? 0.001),
      cacheSize: Number(train.cache_size ?? 200),
      shrinking: train.shrinking !== false,
      probabilityEstimates: !ctx.isRegression,
      quiet: true,
    });
    ctx.progress({ done: 0, total: 1, unit: 'fits' });
    const labels = Array.from(y, (v) => (ctx.isRegression ? v : v > 0.5 ? 1 : 0));
    model.train(rows(X, n, f), labels);
    const text = model.serializeModel();
    model.free();
    ctx.progress({ done: 1, total: 1, unit: 'fits' });
    return { weights: { 'svm.txt': textEncoder.encode(text) }, info: { gamma, C, kernel: String(train.kernel ?? 'rbf') } };
  },
  async load(weights, f) {
    const text = textDecoder.decode(weights['svm.txt']);
    if (!text.startsWith('svm_type')) throw new UserError('the svc weights file is not a libsvm model');
    return parseLibsvmModel(text, f);
  },
  libraries: () => {
    const require = createRequire(import.meta.url);
    return { 'libsvm-js': (require('libsvm-js/package.json') as { version: string }).version };
  },
};
