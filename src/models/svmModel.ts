import { UserError } from '../shared/errors.ts';
import type { Predictor } from './types.ts';

/**
 * Scores a libsvm model (its text format) in plain loops: the decision value
 * Σ coefᵢ·K(svᵢ, x) − rho, turned into a probability by the model's Platt coefficients
 * (as libsvm's svm_predict_probability for two classes) or, for SVR, returned as is.
 * libsvm-js can train but cannot reload large models: it copies the model text onto a
 * 5 MB wasm stack, 4 bytes a character, and models over ~1.2 MB of text come back corrupted.
 */

type Kernel = 'linear' | 'polynomial' | 'rbf' | 'sigmoid';
const MIN_PROB = 1e-7;

export class SvmModel implements Predictor {
  constructor(
    private readonly type: 'c_svc' | 'epsilon_svr' | 'nu_svr',
    private readonly kernel: Kernel,
    private readonly gamma: number,
    private readonly coef0: number,
    private readonly degree: number,
    private readonly rho: number,
    /** Labels in the model's order; the decision is positive for labels[0]. */
    private readonly labels: number[],
    private readonly probA: number | undefined,
    private readonly probB: number | undefined,
    private readonly coef: Float64Array,
    /** Support vectors, dense, row-major [count × f]. */
    private readonly sv: Float64Array,
    readonly numFeatures: number,
  ) {}

  private decision(X: Float64Array, at: number): number {
    const f = this.numFeatures;
    const { sv, coef, gamma, coef0, degree } = this;
    let sum = 0;
    for (let s = 0, off = 0; s < coef.length; s++, off += f) {
      let k: number;
      if (this.kernel === 'rbf') {
        let d = 0;
        for (let j = 0; j < f; j++) {
          const t = X[at + j]! - sv[off + j]!;
          d += t * t;
        }
        k = Math.exp(-gamma * d);
      } else {
        let dot = 0;
        for (let j = 0; j < f; j++) dot += X[at + j]! * sv[off + j]!;
        k = this.kernel === 'linear' ? dot : this.kernel === 'polynomial' ? (gamma * dot + coef0) ** degree : Math.tanh(gamma * dot + coef0);
      }
      sum += coef[s]! * k;
    }
    return sum - this.rho;
  }

  predict(X: Float64Array, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const dec = this.decision(X, r * this.numFeatures);
      if (this.type !== 'c_svc') {
        out[r] = dec;
        continue;
      }
      let pFirst: number;
      if (this.probA === undefined || this.probB === undefined) {
        pFirst = dec > 0 ? 1 : 0;
      } else {
        const fApB = dec * this.probA + this.probB;
        const p = fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
        pFirst = Math.min(Math.max(p, MIN_PROB), 1 - MIN_PROB);
      }
      out[r] = this.labels[0] === 1 ? pFirst : 1 - pFirst;
    }
    return out;
  }
}

export function parseLibsvmModel(text: string, numFeatures: number): SvmModel {
  const lines = text.split('\n');
  const header = new Map<string, string[]>();
  let i = 0;
  for (; i < lines.length && lines[i]!.trim() !== 'SV'; i++) {
    const [key, ...values] = lines[i]!.trim().split(/\s+/);
    if (key) header.set(key, values);
  }
  if (i === lines.length) throw new UserError('the svc weights file is not a libsvm model (no SV section)');
  const one = (key: string) => header.get(key)?.[0];
  const type = one('svm_type');
  if (type !== 'c_svc' && type !== 'epsilon_svr' && type !== 'nu_svr') throw new UserError(`the svc model's type ${type} is not supported`);
  const kernel = one('kernel_type') as Kernel;
  if (!['linear', 'polynomial', 'rbf', 'sigmoid'].includes(kernel)) throw new UserError(`the svc model's kernel ${kernel} is not supported`);
  if (type === 'c_svc' && Number(one('nr_class')) !== 2) throw new UserError('the svc model is not a two-class model');
  const total = Number(one('total_sv'));
  const coef = new Float64Array(total);
  const sv = new Float64Array(total * numFeatures);
  for (let s = 0; s < total; s++) {
    const parts = (lines[i + 1 + s] ?? '').trim().split(/\s+/);
    coef[s] = Number(parts[0]);
    for (let p = 1; p < parts.length; p++) {
      const colon = parts[p]!.indexOf(':');
      const index = Number(parts[p]!.slice(0, colon)) - 1;
      if (index >= numFeatures || index < 0) throw new UserError(`the svc model has feature index ${index + 1} but the model has ${numFeatures} features`);
      sv[s * numFeatures + index] = Number(parts[p]!.slice(colon + 1));
    }
  }
  if (coef.some(Number.isNaN)) throw new UserError('the svc weights file is incomplete');
  return new SvmModel(
    type,
    kernel,
    Number(one('gamma') ?? 0),
    Number(one('coef0') ?? 0),
    Number(one('degree') ?? 3),
    Number(one('rho')),
    (header.get('label') ?? []).map(Number),
    header.has('probA') ? Number(one('probA')) : undefined,
    header.has('probB') ? Number(one('probB')) : undefined,
    coef,
    sv,
    numFeatures,
  );
}
