import { UserError } from '../shared/errors.ts';
import type { AlgorithmDef } from '../config/schema.ts';
import { solveSpd } from './linearAlgebra.ts';
import { textDecoder, textEncoder, type Algorithm, type FitContext, type Predictor } from './types.ts';
import { sigmoid } from './sigmoid.ts';

/**
 * `lc`: L2-regularised logistic regression (scikit-learn's LogisticRegression objective:
 * C·Σ wᵢ·logloss + ½‖β‖², intercept unpenalised), fitted by damped Newton steps, which
 * converge in a few passes where scikit-learn's `sag` stops early. With `is_regression`
 * it is ridge regression with the same penalty (the original has no regression `lc`).
 */

interface LinearWeights {
  coef: number[];
  intercept: number;
}

function sampleWeights(y: Float64Array, n: number, classWeight: unknown, isRegression: boolean): Float64Array | null {
  if (classWeight === undefined || classWeight === null || isRegression) return null;
  let w0: number;
  let w1: number;
  if (classWeight === 'balanced') {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]! > 0.5 ? 1 : 0;
    const neg = n - pos;
    w0 = neg ? n / (2 * neg) : 1;
    w1 = pos ? n / (2 * pos) : 1;
  } else if (typeof classWeight === 'object') {
    const cw = classWeight as Record<string, unknown>;
    w0 = Number(cw['0'] ?? 1);
    w1 = Number(cw['1'] ?? 1);
    if (!Number.isFinite(w0) || !Number.isFinite(w1)) throw new UserError('algorithm lc: train.class_weight must map 0 and 1 to numbers, or be "balanced"');
  } else {
    throw new UserError(`algorithm lc: train.class_weight must be null, "balanced" or {"0": w, "1": w}, got ${JSON.stringify(classWeight)}`);
  }
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = y[i]! > 0.5 ? w1 : w0;
  return s;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * One Newton step's sums over the rows: the gradient into grad and the lower triangle of the
 * Hessian into hess (m = f + 1 coefficients, the intercept last). See newtonSums.
 */
type NewtonSums = (X: Float64Array, y: Float64Array, s: Float64Array | null, beta: Float64Array, n: number, grad: Float64Array, hess: Float64Array) => void;

/** The loss summed over the rows (see lossSums). */
type LossSums = (X: Float64Array, y: Float64Array, s: Float64Array | null, beta: Float64Array, n: number) => number;

/**
 * Above this many features the made functions' locals no longer fit V8's registers (and their
 * source grows as f²): the plain loops are as fast there.
 */
export const MADE_SUMS_MAX_FEATURES = 32;

/** The Newton sums as a plain loop over array cells (any number of features). */
export function plainNewtonSums(f: number, logistic: boolean): NewtonSums {
  const m = f + 1;
  const xi = new Float64Array(m);
  return (X, y, s, beta, n, grad, hess) => {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * f;
      let z = beta[f]!;
      for (let j = 0; j < f; j++) {
        xi[j] = X[row + j]!;
        z += xi[j]! * beta[j]!;
      }
      xi[f] = 1;
      const wi = s ? s[i]! : 1;
      let r: number;
      let h: number;
      if (logistic) {
        const p = sigmoid(z);
        r = wi * (p - y[i]!);
        h = wi * p * (1 - p);
      } else {
        r = wi * (z - y[i]!);
        h = wi;
      }
      for (let a = 0; a < m; a++) {
        grad[a]! += r * xi[a]!;
        const ha = h * xi[a]!;
        const off = a * m;
        for (let b = 0; b <= a; b++) hess[off + b]! += ha * xi[b]!;
      }
    }
  };
}

/** The loss summed over the rows as a plain loop (any number of features). */
export function plainLossSums(f: number, logistic: boolean): LossSums {
  return (X, y, s, b, n) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let z = b[f]!;
      const row = i * f;
      for (let j = 0; j < f; j++) z += X[row + j]! * b[j]!;
      const wi = s ? s[i]! : 1;
      if (logistic) loss += wi * (softplus(z) - y[i]! * z);
      else loss += 0.5 * wi * (z - y[i]!) ** 2;
    }
    return loss;
  };
}

/** A made loop over the n rows of the views it is given, adding to the running sums it is given (see madeLoop). */
type RowRange<A extends unknown[], R> = (X: Float64Array, y: Float64Array, s: Float64Array | null, beta: Float64Array, n: number, ...acc: A) => R;

/**
 * Rows per call of a made loop. A pass over the rows is many calls of one function rather than
 * one long call, so V8 optimises it after a few calls instead of running the first passes of a
 * fit in its interpreter and on-stack-replaced code (which cost 3 to 5 steady passes per model).
 */
export const SUMS_ROWS_PER_CALL = 8192;

const made = new Map<string, unknown>();

/**
 * A loop over the rows as code made once per kind and feature count, with the coefficients and
 * every running sum in locals (a register or a stack slot) instead of array cells loaded and
 * stored for every row, which made the loops two to three times slower. The loop covers the n
 * rows it is given (views of a block of the training rows); `head` loads the running sums from
 * its last parameters and `tail` hands them back, so a pass split into calls adds the same terms
 * in the same order as one call. `body` adds what follows z = β_f + Σ_j x_j·β_j and the row's
 * weight wi; `warm`: running sums for the warm-up call (warmUp).
 */
function madeLoop<F>(kind: string, f: number, weighted: boolean, parts: { acc: string[]; warm: unknown[]; head: string[]; body: string[]; tail: string[] }): F {
  const key = `${kind}/${f}/${weighted}`;
  let fn = made.get(key);
  if (!fn) {
    const lines = [...parts.head, ...Array.from({ length: f + 1 }, (_, j) => `const b${j} = beta[${j}];`)];
    lines.push('for (let i = 0; i < n; i++) {', `const row = i * ${f};`);
    for (let j = 0; j < f; j++) lines.push(`const x${j} = X[row + ${j}];`);
    lines.push(`let z = b${f};`);
    for (let j = 0; j < f; j++) lines.push(`z += x${j} * b${j};`);
    lines.push(weighted ? 'const wi = s[i];' : 'const wi = 1;', ...parts.body, '}', ...parts.tail);
    fn = new Function('X', 'y', 's', 'beta', 'n', ...parts.acc, lines.join('\n'));
    warmUp(fn as RowRange<unknown[], unknown>, f, weighted, parts.warm);
    made.set(key, fn);
  }
  return fn as F;
}

/**
 * Runs a made loop once on a few made-up rows whose z takes both signs, so that V8 has seen every
 * path of it (both branches of σ, the sums handed back) before the first real pass: without this
 * the code it optimises during that pass is thrown away at its first z < 0 and at its end.
 */
function warmUp(fn: RowRange<unknown[], unknown>, f: number, weighted: boolean, acc: unknown[]): void {
  const rows = 16;
  // rows of alternating sign, so z alternates too
  const X = Float64Array.from({ length: rows * f }, (_, k) => (Math.floor(k / f) % 2 ? 1 : -1) * (0.5 + (k % 7) / 10));
  const y = Float64Array.from({ length: rows }, (_, i) => (i >> 1) % 2);
  const s = weighted ? Float64Array.from({ length: rows }, (_, i) => 0.5 + (i % 3)) : null;
  const beta = Float64Array.from({ length: f + 1 }, (_, j) => (j < f ? 0.6 : 0.1));
  for (let k = 0; k < 12; k++) fn(X, y, s, beta, rows, ...acc);
}

/** Rows start … end − 1 of a training set: views of its cells, labels and weights. */
function rowsOf(X: Float64Array, y: Float64Array, s: Float64Array | null, f: number, start: number, end: number) {
  return [X.subarray(start * f, end * f), y.subarray(start, end), s && s.subarray(start, end)] as const;
}

/**
 * The Newton sums as code made for this number of features (madeLoop). Every sum adds the same
 * terms in the same order, row after row, so the results are the same to the bit as those of the
 * plain loop:
 *   z = β_f + Σ_j x_j·β_j;  r = w·(p − y), h = w·p·(1 − p) (p = σ(z); least squares: r = w·(z − y), h = w)
 *   grad_a += r·x_a;  hess_ab += (h·x_a)·x_b for b ≤ a, with x_f = 1.
 */
export function newtonSums(f: number, logistic: boolean, weighted: boolean): NewtonSums {
  if (f > MADE_SUMS_MAX_FEATURES) return plainNewtonSums(f, logistic);
  const m = f + 1;
  const head: string[] = [];
  const body: string[] = [`const x${f} = 1;`];
  const tail: string[] = [];
  // σ(z) written out as sigmoid.ts computes it (a call per row cost a fifth of the loop)
  if (logistic) body.push('const e = Math.exp(-Math.abs(z));', 'const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);', 'const r = wi * (p - y[i]);', 'const h = wi * p * (1 - p);');
  else body.push('const r = wi * (z - y[i]);', 'const h = wi;');
  for (let a = 0; a < m; a++) {
    head.push(`let g${a} = grad[${a}];`);
    body.push(`g${a} += r * x${a};`, `const ha${a} = h * x${a};`);
    tail.push(`grad[${a}] = g${a};`);
    for (let b = 0; b <= a; b++) {
      head.push(`let h${a}_${b} = hess[${a * m + b}];`);
      body.push(`h${a}_${b} += ha${a} * x${b};`);
      tail.push(`hess[${a * m + b}] = h${a}_${b};`);
    }
  }
  const range = madeLoop<RowRange<[Float64Array, Float64Array], void>>(`newton-${logistic}`, f, weighted, { acc: ['grad', 'hess'], warm: [new Float64Array(m), new Float64Array(m * m)], head, body, tail });
  return (X, y, s, beta, n, grad, hess) => {
    grad.fill(0);
    hess.fill(0);
    for (let start = 0; start < n; start += SUMS_ROWS_PER_CALL) {
      const end = Math.min(n, start + SUMS_ROWS_PER_CALL);
      range(...rowsOf(X, y, s, f, start, end), beta, end - start, grad, hess);
    }
  };
}

/**
 * Σ_i w·(softplus(z) − y·z) (least squares: Σ_i ½·w·(z − y)²) as code made for this number of
 * features (madeLoop): the same terms in the same order as the plain loop, so the same bits.
 */
export function lossSums(f: number, logistic: boolean, weighted: boolean): LossSums {
  if (f > MADE_SUMS_MAX_FEATURES) return plainLossSums(f, logistic);
  // softplus(z) written out as softplus() computes it
  const body = logistic
    ? ['const sp = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));', 'loss += wi * (sp - y[i] * z);']
    : ['loss += 0.5 * wi * (z - y[i]) ** 2;'];
  const range = madeLoop<RowRange<[number], number>>(`loss-${logistic}`, f, weighted, { acc: ['sum'], warm: [0], head: ['let loss = sum;'], body, tail: ['return loss;'] });
  return (X, y, s, beta, n) => {
    let loss = 0;
    for (let start = 0; start < n; start += SUMS_ROWS_PER_CALL) {
      const end = Math.min(n, start + SUMS_ROWS_PER_CALL);
      loss = range(...rowsOf(X, y, s, f, start, end), beta, end - start, loss);
    }
    return loss;
  };
}

export function fitLinear(
  X: Float64Array,
  y: Float64Array,
  n: number,
  f: number,
  def: AlgorithmDef,
  ctx: FitContext,
): { weights: LinearWeights; iterations: number; converged: boolean; loss: number } {
  const train = def.train ?? {};
  if (train.penalty !== undefined && train.penalty !== null && train.penalty !== 'l2') {
    throw new UserError(`algorithm ${def.name}: train.penalty "${String(train.penalty)}" is not supported (only "l2")`);
  }
  const C = train.C === undefined ? 1 : Number(train.C);
  if (!(C > 0)) throw new UserError(`algorithm ${def.name}: train.C must be a positive number`);
  const maxIter = train.max_iter === undefined ? 100 : Math.max(1, Number(train.max_iter));
  const fitIntercept = train.fit_intercept !== false;
  const logistic = !ctx.isRegression;
  const s = sampleWeights(y, n, train.class_weight, ctx.isRegression);
  const m = f + 1; // coefficients, then the intercept
  const beta = new Float64Array(m);
  const lambda = 1 / C;

  const lossSum = lossSums(f, logistic, s !== null);
  const objective = (b: Float64Array): number => {
    const loss = lossSum(X, y, s, b, n);
    let pen = 0;
    for (let j = 0; j < f; j++) pen += b[j]! * b[j]!;
    return loss + 0.5 * lambda * pen;
  };

  // Start from the best model without features (the intercept at the log-odds of the labels):
  // its loss is the labels' entropy, where β = 0 starts at log 2, which saves a Newton pass or two.
  if (logistic && fitIntercept) {
    let pos = 0;
    let all = 0;
    for (let i = 0; i < n; i++) {
      const wi = s ? s[i]! : 1;
      pos += wi * y[i]!;
      all += wi;
    }
    if (pos > 0 && pos < all) beta[f] = Math.log(pos / (all - pos));
  }
  let loss = objective(beta);
  let converged = false;
  let iter = 0;
  const grad = new Float64Array(m);
  const hess = new Float64Array(m * m);
  const sums = newtonSums(f, logistic, s !== null);
  for (iter = 1; iter <= maxIter; iter++) {
    sums(X, y, s, beta, n, grad, hess);
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) hess[b * m + a] = hess[a * m + b]!;
    for (let j = 0; j < f; j++) {
      grad[j]! += lambda * beta[j]!;
      hess[j * m + j]! += lambda;
    }
    // A tiny ridge on the intercept keeps the system solvable when every label is the same.
    hess[f * m + f]! += 1e-10 * n;
    if (!fitIntercept) {
      grad[f] = 0;
      for (let a = 0; a < m; a++) hess[f * m + a] = hess[a * m + f] = a === f ? 1 : 0;
    }
    let gmax = 0;
    for (let a = 0; a < m; a++) gmax = Math.max(gmax, Math.abs(grad[a]!));
    if (gmax <= 1e-8 * Math.max(1, n)) {
      converged = true;
      break;
    }
    const step = solveSpd(hess, grad, m);
    if (!step) throw new Error('lc: the Newton system is not positive definite');
    // The decrease a full step promises (half the Newton decrement gᵀH⁻¹g), as a share of the loss.
    // Near the optimum the next step promises about its square: once a full step promises at most
    // 1e-6, the loss after it is within ~1e-12 of the optimum, and one more pass over the rows
    // would change the coefficients by ~1e-6 at most.
    let promised = 0;
    for (let a = 0; a < m; a++) promised += 0.5 * grad[a]! * step[a]!;
    // Backtracking keeps every step a descent on the penalised loss.
    let t = 1;
    const trial = new Float64Array(m);
    let trialLoss = Infinity;
    for (let k = 0; k < 30; k++) {
      for (let a = 0; a < m; a++) trial[a] = beta[a]! - t * step[a]!;
      trialLoss = objective(trial);
      if (trialLoss <= loss) break;
      t /= 2;
    }
    const improvement = loss - trialLoss;
    if (!(trialLoss <= loss)) {
      converged = true;
      break;
    }
    beta.set(trial);
    loss = trialLoss;
    ctx.progress({ done: iter, total: maxIter, unit: 'iterations', loss: loss / n });
    const tiny = (t === 1 && promised <= 1e-6 * Math.abs(loss)) || improvement <= 1e-12 * Math.max(1, Math.abs(loss));
    if (tiny || !logistic) {
      converged = true;
      break;
    }
  }
  return { weights: { coef: [...beta.subarray(0, f)], intercept: beta[f]! }, iterations: Math.min(iter, maxIter), converged, loss: loss / n };
}

class LinearPredictor implements Predictor {
  private readonly coef: Float64Array;
  constructor(weights: LinearWeights, private readonly intercept: number, private readonly logistic: boolean) {
    this.coef = Float64Array.from(weights.coef);
  }
  predict(X: Float64Array, n: number): Float64Array {
    const f = this.coef.length;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let z = this.intercept;
      for (let j = 0; j < f; j++) z += X[i * f + j]! * this.coef[j]!;
      out[i] = this.logistic ? sigmoid(z) : z;
    }
    return out;
  }
  /** As predict, a column at a time: each row's z adds the same terms in the same order. */
  predictColumns(cols: Float64Array[], mean: Float64Array, scale: Float64Array | null, start: number, end: number): Float64Array {
    const n = Math.max(0, end - start);
    const z = new Float64Array(n).fill(this.intercept);
    cols.forEach((col, j) => {
      const c = this.coef[j]!;
      const m = mean[j]!;
      if (scale) {
        const s = scale[j]!;
        for (let r = 0; r < n; r++) z[r]! += ((col[start + r]! - m) / s) * c;
      } else for (let r = 0; r < n; r++) z[r]! += col[start + r]! * c;
    });
    for (let r = 0; r < n; r++) {
      const v = z[r]!;
      z[r] = v !== v ? NaN : this.logistic ? sigmoid(v) : v;
    }
    return z;
  }
}

export const lc: Algorithm = {
  async fit(X, y, n, f, def, ctx) {
    const r = fitLinear(X, y, n, f, def, ctx);
    return {
      weights: { 'lc.json': textEncoder.encode(JSON.stringify(r.weights)) },
      info: { iterations: r.iterations, converged: r.converged, final_loss: r.loss },
    };
  },
  async load(weights, f, isRegression) {
    const w = JSON.parse(textDecoder.decode(weights['lc.json'])) as LinearWeights;
    if (!Array.isArray(w.coef) || w.coef.length !== f) throw new UserError(`the lc weights hold ${w.coef?.length} coefficients but the model has ${f} features`);
    return new LinearPredictor(w, w.intercept, !isRegression);
  },
  libraries: () => ({}),
};
