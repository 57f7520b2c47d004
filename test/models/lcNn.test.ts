import { describe, expect, it } from 'vitest';
import { fitLinear, lc, lossSums, newtonSums, plainLossSums, plainNewtonSums, MADE_SUMS_MAX_FEATURES, SUMS_ROWS_PER_CALL } from '../../src/models/lc.ts';
import { MlpPredictor, type DenseLayer } from '../../src/models/mlp.ts';
import { trainMlp } from '../../src/models/mlpTrainer.ts';
import { nn } from '../../src/models/nn.ts';
import { fitScalerColumns, applyScaler } from '../../src/models/scaler.ts';
import { solveSpd } from '../../src/models/linearAlgebra.ts';
import type { FitProgress } from '../../src/models/types.ts';
import { syntheticFrame } from './synthetic.ts';

const frame = syntheticFrame(3000, 31);
const n = frame.length;
const f = 2;
const X = new Float64Array(n * f);
for (let i = 0; i < n; i++) {
  X[i * f] = frame.get('a')[i]!;
  X[i * f + 1] = frame.get('b')[i]!;
}
const y = frame.get('y');
const ctx = (progress: (p: FitProgress) => void = () => {}) => ({ seed: 1, isRegression: false, labelHorizon: 0, progress });

async function meanScore(def: Parameters<typeof lc.fit>[4]): Promise<number> {
  const fit = await lc.fit(X, y, n, f, def, ctx());
  const scores = (await lc.load(fit.weights, f, false)).predict(X, n);
  return scores.reduce((s, v) => s + v, 0) / n;
}

describe('lc', () => {
  it('recovers the coefficients of the logistic model that made the labels', async () => {
    const fit = await lc.fit(X, y, n, f, { name: 'lc', algo: 'lc', params: {}, train: { C: 1e4 } }, ctx());
    const w = JSON.parse(new TextDecoder().decode(fit.weights['lc.json'])) as { coef: number[]; intercept: number };
    expect(w.coef[0]).toBeGreaterThan(1.2);
    expect(w.coef[0]).toBeLessThan(1.8);
    expect(w.coef[1]).toBeGreaterThan(-1.3);
    expect(w.coef[1]).toBeLessThan(-0.7);
    expect(w.intercept).toBeGreaterThan(-0.8);
    expect(w.intercept).toBeLessThan(-0.2);
    expect(fit.info.converged).toBe(true);
  });

  it('stops at the optimum: what a further Newton step would gain is below 1e-10 of the loss', () => {
    // a rare label (about 2 % positives, as high_20) on 5 features, with the default C = 1
    const rows = 40_000;
    const k = 5;
    let seed = 3;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const Xr = Float64Array.from({ length: rows * k }, () => rnd() * 3);
    const yr = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const z = -4 + 1.5 * Xr[i * k]! - Xr[i * k + 1]! + 0.3 * Xr[i * k + 2]!;
      yr[i] = rnd() + 0.5 < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const def = { name: 'lc', algo: 'lc' as const, params: {}, train: {} };
    const fit = fitLinear(Xr, yr, rows, k, def, ctx());
    expect(fit.converged).toBe(true);
    const beta = Float64Array.from([...fit.weights.coef, fit.weights.intercept]);
    const m = k + 1;
    const g = new Float64Array(m);
    const h = new Float64Array(m * m);
    newtonSums(k, true, false)(Xr, yr, null, beta, rows, g, h);
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) h[b * m + a] = h[a * m + b]!;
    for (let j = 0; j < k; j++) {
      g[j]! += beta[j]!;
      h[j * m + j]! += 1;
    }
    const step = solveSpd(h, g, m)!;
    let gain = 0;
    for (let a = 0; a < m; a++) gain += 0.5 * g[a]! * step[a]!;
    const loss = lossSums(k, true, false)(Xr, yr, null, beta, rows);
    expect(gain).toBeGreaterThanOrEqual(0);
    expect(gain / loss).toBeLessThan(1e-10);
  });

  it('a smaller C shrinks the coefficients; class_weight balanced lifts the rare class', async () => {
    const coef = async (C: number) => (JSON.parse(new TextDecoder().decode((await lc.fit(X, y, n, f, { name: 'lc', algo: 'lc', params: {}, train: { C } }, ctx())).weights['lc.json'])) as { coef: number[] }).coef[0]!;
    expect(Math.abs(await coef(0.001))).toBeLessThan(Math.abs(await coef(1)) / 2);
    const share = y.reduce((s, v) => s + v, 0) / n;
    const plain = await meanScore({ name: 'lc', algo: 'lc', params: {}, train: {} });
    const balanced = await meanScore({ name: 'lc', algo: 'lc', params: {}, train: { class_weight: 'balanced' } });
    expect(Math.abs(plain - share)).toBeLessThan(0.01);
    expect(Math.abs(balanced - 0.5)).toBeLessThan(Math.abs(plain - 0.5));
    await expect(lc.fit(X, y, n, f, { name: 'lc', algo: 'lc', params: {}, train: { penalty: 'l1' } }, ctx())).rejects.toThrow('algorithm lc: train.penalty "l1" is not supported (only "l2")');
  });
});

describe('nn early stopping', () => {
  it('stops when the training loss has not improved by min_delta for `patience` epochs', async () => {
    const epochs: number[] = [];
    const def = { name: 'nn', algo: 'nn' as const, params: { layers: [3] }, train: { n_epochs: 40, bs: 256, learning_rate: 1e-9, es: { patience: 2 }, engine: 'js' } };
    const fit = await nn.fit(X, y, n, f, def, ctx((p) => epochs.push(p.done)));
    // epoch 1 sets the best loss; a learning rate of 1e-9 cannot beat it by 1e-5, so epochs 2 and 3 end the run
    expect(fit.info.epochs).toBe(3);
    expect(epochs).toEqual([1, 2, 3]);
    const learning = await nn.fit(X, y, n, f, { ...def, train: { ...def.train, n_epochs: 6, learning_rate: 0.01 } }, ctx());
    expect(learning.info.epochs).toBe(6);
  });
});

describe('nn trainer gradients', () => {
  it.each([false, true])('one full-batch Adam step moves every weight against the numerical gradient (regression %s)', async (isRegression) => {
    const m = 200;
    const Xs = X.slice(0, m * f);
    const ys = isRegression ? frame.get('target').slice(0, m) : y.slice(0, m);
    const options = { layers: [4, 3], learningRate: 1e-3, batchSize: m, minDelta: 0, patience: 99, seed: 5, isRegression, progress: () => {} };
    const before = (await trainMlp(Xs, ys, m, f, { ...options, epochs: 0 })).layers;
    const after = (await trainMlp(Xs, ys, m, f, { ...options, epochs: 1 })).layers;
    const loss = (layers: DenseLayer[]) => {
      const p = new MlpPredictor(layers).predict(Xs, m);
      let s = 0;
      for (let i = 0; i < m; i++) s += isRegression ? (p[i]! - ys[i]!) ** 2 : -(ys[i]! * Math.log(p[i]!) + (1 - ys[i]!) * Math.log(1 - p[i]!));
      return s / m;
    };
    let checked = 0;
    for (const [li, layer] of before.entries()) {
      for (const part of ['kernel', 'bias'] as const) {
        for (let k = 0; k < layer[part].length; k++) {
          const h = 1e-3;
          const orig = layer[part][k]!;
          layer[part][k] = orig + h;
          const up = loss(before);
          layer[part][k] = orig - h;
          const down = loss(before);
          layer[part][k] = orig;
          const gradient = (up - down) / (2 * h);
          if (Math.abs(gradient) < 1e-3) continue;
          // Adam's first step is −lr·sign(g) for every weight with a clear gradient
          const moved = after[li]![part][k]! - orig;
          expect(Math.sign(moved)).toBe(-Math.sign(gradient));
          expect(Math.abs(moved)).toBeCloseTo(1e-3, 4);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });
});

describe('lc scored a column at a time', () => {
  it('gives the same bits as the row-major predict, NaN for a row with a missing value, scaled or not', async () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const k = 7;
    const rows = 3001;
    const weights = { coef: Array.from({ length: k }, () => rnd() * 2), intercept: rnd() };
    const cols = Array.from({ length: k }, () => Float64Array.from({ length: rows }, () => 90_000 + rnd() * 500));
    cols[2]![17] = NaN;
    cols[5]![2999] = NaN;
    const mean = Float64Array.from({ length: k }, () => 90_000 + rnd());
    const scale = Float64Array.from({ length: k }, () => 100 + rnd() * 50);
    for (const isRegression of [false, true]) {
      const p = await lc.load({ 'lc.json': new TextEncoder().encode(JSON.stringify(weights)) }, k, isRegression);
      for (const sc of [scale, null]) {
        const [start, end] = [5, rows];
        const byColumns = p.predictColumns!(cols, mean, sc, start, end);
        const X = new Float64Array((end - start) * k);
        for (let r = 0; r < end - start; r++) for (let j = 0; j < k; j++) X[r * k + j] = sc ? (cols[j]![start + r]! - mean[j]!) / sc[j]! : cols[j]![start + r]!;
        const byRows = p.predict(X, end - start);
        expect(byColumns.length).toBe(end - start);
        for (let r = 0; r < end - start; r++) expect(Object.is(byColumns[r], byRows[r])).toBe(true);
        expect(Number.isNaN(byColumns[17 - start]!)).toBe(true);
        expect(Number.isNaN(byColumns[2999 - start]!)).toBe(true);
      }
    }
  });
});

describe('scaler', () => {
  it('centres and scales with the population std; a constant column becomes 0', () => {
    const m = Float64Array.from([1, 5, 2, 5, 3, 5, 4, 5]);
    const s = fitScalerColumns([Float64Array.from([1, 2, 3, 4]), Float64Array.from([5, 5, 5, 5])], Int32Array.from([0, 1, 2, 3]));
    expect(s.mean).toEqual([2.5, 5]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(s.scale[1]).toBe(1);
    expect(Array.from(applyScaler(s, m.slice(), 2)).filter((_, i) => i % 2 === 1)).toEqual([0, 0, 0, 0]);
  });

  it('adds the chosen rows in row order: the same bits as sums over the rows made row-major', () => {
    let seed = 5;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const cols = [0, 1, 2].map((j) => Float64Array.from({ length: 5000 }, () => 90_000 + j * 1000 + rnd() * 300));
    const rows = Int32Array.from({ length: 3000 }, (_, k) => 7 + k + (k > 1500 ? 400 : 0));
    const s = fitScalerColumns(cols, rows);
    cols.forEach((c, j) => {
      const mean = new Float64Array(1);
      for (const r of rows) mean[0]! += c[r]!;
      mean[0]! /= rows.length;
      let ss = 0;
      for (const r of rows) ss += (c[r]! - mean[0]!) ** 2;
      expect(Object.is(s.mean[j], mean[0])).toBe(true);
      expect(Object.is(s.scale[j], Math.sqrt(ss / rows.length))).toBe(true);
    });
  });
});

describe('lc Newton sums and loss: the functions made for a feature count equal the plain loops bit for bit', () => {
  it('for logistic and least squares, weighted or not, below and above the cut-off, in one call or several', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    for (const feats of [1, 4, 11, MADE_SUMS_MAX_FEATURES, MADE_SUMS_MAX_FEATURES + 1]) {
      // 11 features: more rows than one call of the made loop takes, the last call a part
      const rows = feats === 11 ? 2 * SUMS_ROWS_PER_CALL + 57 : 257;
      const Xr = Float64Array.from({ length: rows * feats }, rnd);
      const yr = Float64Array.from({ length: rows }, () => (rnd() > 0.2 ? 1 : 0));
      const w = Float64Array.from({ length: rows }, () => 1 + rnd());
      const beta = Float64Array.from({ length: feats + 1 }, () => rnd() * 0.3);
      for (const logistic of [true, false]) {
        for (const weights of [null, w]) {
          const m = feats + 1;
          const [g1, g2] = [new Float64Array(m), new Float64Array(m)];
          const [h1, h2] = [new Float64Array(m * m), new Float64Array(m * m)];
          newtonSums(feats, logistic, weights !== null)(Xr, yr, weights, beta, rows, g1, h1);
          plainNewtonSums(feats, logistic)(Xr, yr, weights, beta, rows, g2, h2);
          expect(Array.from(g1)).toEqual(Array.from(g2));
          expect(Array.from(h1)).toEqual(Array.from(h2));
          expect(g1.some((v) => v !== 0)).toBe(true);
          const made = lossSums(feats, logistic, weights !== null)(Xr, yr, weights, beta, rows);
          expect(made).not.toBe(0);
          expect(Object.is(made, plainLossSums(feats, logistic)(Xr, yr, weights, beta, rows))).toBe(true);
        }
      }
    }
  });
});
