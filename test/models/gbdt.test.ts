import { describe, expect, it } from 'vitest';
import { leafOf, trainGbdt, type GbdtTree } from '../../src/models/gbdt.ts';
import { binFeatures, binOf, featureCuts } from '../../src/models/gbdtBins.ts';
import { histogramKernels, loopKernels } from '../../src/models/gbdtKernels.ts';
import { gbSettings } from '../../src/models/gbParams.ts';
import { rocAuc } from '../../src/models/metrics.ts';
import { seededRandom } from '../../src/models/random.ts';
import { treeEnsembleFromXgboostJson, xgboostJsonOfGbdt } from '../../src/models/treeEnsemble.ts';
import { bayesScores, syntheticFrame } from './synthetic.ts';

type Json = Record<string, any>;

/** One fit on small hand-made rows; by default one tree, learning rate 1, no row minimums. */
function fit(rows: number[][], y: number[], train: Record<string, unknown>, isRegression = true) {
  const f = rows[0]!.length;
  const s = gbSettings({ min_data_in_bin: 1, min_data_in_leaf: 1, min_sum_hessian_in_leaf: 0, learning_rate: 1, num_boost_round: 1, ...train }, { name: 'gb', isRegression, seed: 1 });
  const result = trainGbdt(Float64Array.from(rows.flat()), Float64Array.from(y), rows.length, f, s);
  const text = xgboostJsonOfGbdt(result.model);
  const json = JSON.parse(text) as Json;
  const evaluator = treeEnsembleFromXgboostJson(text);
  return {
    result,
    learner: json.learner as Json,
    trees: json.learner.gradient_booster.model.trees as Json[],
    predict: (xs: number[][]) => Array.from(evaluator.predict(Float64Array.from(xs.flat()), xs.length)),
  };
}

const column = (...xs: number[]) => xs.map((x) => [x]);

describe('gbdt: hand-worked trees', () => {
  it('regression stump: the best cut, leaf values −G/H, the label mean as the first score', () => {
    const { trees, learner, predict } = fit(column(1, 2, 3, 4), [0, 0, 10, 10], { max_depth: 1 });
    // mean 5; gradients score − y = 5, 5, −5, −5 with hessians 1: leaves −10/2 and +10/2
    expect(learner.learner_model_param.base_score).toBe('5.0');
    expect(trees).toHaveLength(1);
    expect(trees[0]).toMatchObject({ left_children: [1, -1, -1], right_children: [2, -1, -1], parents: [2147483647, 0, 0], split_indices: [0, 0, 0], split_conditions: [2.5, -5, 5], sum_hessian: [4, 2, 2] });
    expect(trees[0]!.loss_changes[0]).toBe(100); // 10²/2 + 10²/2 − 0²/4
    expect(predict(column(0, 2.4, 2.5, 99))).toEqual([0, 0, 10, 10]);
    // a split must gain more than min_gain_to_split; each side needs min_sum_hessian_in_leaf (here rows)
    expect(fit(column(1, 2, 3, 4), [0, 0, 10, 10], { max_depth: 1, min_gain_to_split: 99 }).trees).toHaveLength(1);
    expect(fit(column(1, 2, 3, 4), [0, 0, 10, 10], { max_depth: 1, min_gain_to_split: 100 }).trees).toHaveLength(0);
    expect(fit(column(1, 2, 3, 4), [0, 0, 10, 10], { max_depth: 1, min_sum_hessian_in_leaf: 2 }).trees).toHaveLength(1);
    expect(fit(column(1, 2, 3, 4), [0, 0, 10, 10], { max_depth: 1, min_sum_hessian_in_leaf: 2.5 }).trees).toHaveLength(0);
  });

  it('logistic stump with L1 and L2: leaf −T(G)/(H + λ₂) × learning rate, gain T(G)²/(H + λ₂) summed', () => {
    const { trees, learner } = fit(column(1, 2, 3, 4, 5, 6), [0, 0, 0, 1, 1, 1], { objective: 'binary', max_depth: 1, learning_rate: 0.1, lambda_l1: 0.5, lambda_l2: 1 }, false);
    // p = 0.5 everywhere: g = ±0.5, h = 0.25. Left G = 1.5, H = 0.75: T(G) = 1, leaf −1/1.75 × 0.1.
    expect(learner.learner_model_param.base_score).toBe('0.5');
    const t = trees[0]!;
    expect(t.split_conditions[0]).toBe(3.5);
    expect(t.split_conditions[1]).toBeCloseTo(-0.1 / 1.75, 7);
    expect(t.split_conditions[2]).toBeCloseTo(0.1 / 1.75, 7);
    expect(t.loss_changes[0]).toBeCloseTo(2 / 1.75, 6);
    expect(t.sum_hessian).toEqual([1.5, 0.75, 0.75]);
    // λ₁ above every |G|: no split gains anything, so no tree is kept
    expect(fit(column(1, 2, 3, 4, 5, 6), [0, 0, 0, 1, 1, 1], { objective: 'binary', lambda_l1: 2 }, false).trees).toHaveLength(0);
  });

  it('grows leaf-wise: the leaf whose split gains most is split next, within num_leaves and max_depth', () => {
    const x = column(1, 2, 3, 4, 5, 6, 7, 8);
    const y = [0, 0, 2, 2, 20, 20, 24, 24];
    // first cut 4.5 (gain 882); then the right leaf gains 16, the left one only 4
    const three = fit(x, y, { num_leaves: 3 });
    expect(three.trees[0]).toMatchObject({ left_children: [1, -1, 3, -1, -1], parents: [2147483647, 0, 0, 2, 2], split_conditions: [4.5, -10.5, 6.5, 8.5, 12.5] });
    expect(three.predict(x)).toEqual([1, 1, 1, 1, 20, 20, 24, 24]);
    expect(fit(x, y, { num_leaves: 4 }).predict(x)).toEqual(y);
    expect(fit(x, y, { num_leaves: 31, max_depth: 1 }).predict(x)).toEqual([1, 1, 1, 1, 22, 22, 22, 22]);
  });

  it('min_data_in_leaf bounds both children of every split', () => {
    const x = column(1, 2, 3, 4, 5, 6, 7, 8);
    const y = [0, 0, 2, 2, 20, 20, 24, 24];
    // 3: the root splits 4 | 4, but a leaf of 4 rows cannot make two of 3
    expect(fit(x, y, { num_leaves: 4, min_data_in_leaf: 3 }).predict(x)).toEqual([1, 1, 1, 1, 22, 22, 22, 22]);
    // 5: not even the root
    const none = fit(x, y, { num_leaves: 4, min_data_in_leaf: 5 });
    expect(none.trees).toHaveLength(0);
    expect(none.predict(x)).toEqual(new Array(8).fill(11.5));
  });

  it('missing values go the side that gains more; without any in training, the larger side', () => {
    const x = column(1, 2, NaN, NaN, 3, 4);
    const right = fit(x, [0, 0, 10, 10, 10, 10], { max_depth: 1 });
    expect(right.trees[0]).toMatchObject({ split_conditions: [2.5, expect.any(Number), expect.any(Number)], default_left: [0, 0, 0] });
    expect(right.predict(column(NaN, 1, 4))).toEqual([10, 0, 10]);
    const left = fit(x, [0, 0, 0, 0, 10, 10], { max_depth: 1 });
    expect(left.trees[0]!.default_left[0]).toBe(1);
    expect(left.predict(column(NaN, 1, 4))).toEqual([0, 0, 10]);
    const unseen = fit(column(1, 2, 3, 4, 5), [0, 0, 10, 10, 10], { max_depth: 1 });
    expect(unseen.predict(column(NaN))).toEqual([10]);
  });

  it('is_unbalance weighs the rarer class by the class ratio (scale_pos_weight the positives); the first score stays the plain base rate', () => {
    const x = column(1, 2, 3, 4);
    const y = [0, 0, 0, 1];
    const train = { objective: 'binary', max_depth: 1, lambda_l2: 1 };
    const margins = (r: ReturnType<typeof fit>) => r.trees[0]!.split_conditions.slice(1) as number[];
    // p = 1/4: g = 1/4 (negatives), −3/4 (positive), h = 3/16; the positive counts 3 times
    const plain = fit(x, y, train, false);
    expect(Number(plain.learner.learner_model_param.base_score)).toBeCloseTo(0.25, 15);
    expect(margins(plain)[0]).toBeCloseTo(-0.75 / (0.5625 + 1), 6);
    expect(margins(plain)[1]).toBeCloseTo(0.75 / (0.1875 + 1), 6);
    const unbalanced = fit(x, y, { ...train, is_unbalance: true }, false);
    expect(Number(unbalanced.learner.learner_model_param.base_score)).toBeCloseTo(0.25, 15);
    expect(margins(unbalanced)[0]).toBeCloseTo(-0.75 / (0.5625 + 1), 6);
    expect(margins(unbalanced)[1]).toBeCloseTo(2.25 / (0.5625 + 1), 6);
    expect(margins(fit(x, y, { ...train, scale_pos_weight: 3 }, false))).toEqual(margins(unbalanced));
    // the first score is written as a float32 (XGBoost reads no more)
    const third = fit(column(1, 2, 3), [0, 0, 1], train, false).learner.learner_model_param.base_score as string;
    expect(third).toBe('0.33333334');
  });
});

describe('gbdt: binning', () => {
  it('a few distinct values: a bin each, cut halfway; min_data_in_bin merges thin ones', () => {
    expect(Array.from(featureCuts(Float32Array.of(1, 1, 2, 3, 3, 3), 255, 1))).toEqual([1.5, 2.5]);
    expect(Array.from(featureCuts(Float32Array.of(1, 1, 2, 3, 3, 3), 255, 3))).toEqual([2.5]);
    expect(featureCuts(Float32Array.of(7, 7, 7), 255, 1)).toHaveLength(0);
    // adjacent float32 values: their middle rounds to the lower one, so the cut is the upper one
    const next = 1 + 2 ** -23;
    expect(Array.from(featureCuts(Float32Array.of(1, next), 255, 1))).toEqual([next]);
  });

  it('many values: at most max_bin bins of about equal counts; negatives, zeros and positives apart', () => {
    const random = seededRandom(3);
    const v = Float32Array.from({ length: 50_000 }, (_, i) => (i % 10 === 0 ? 0 : (random() - 0.3) * 100)).sort();
    const cuts = featureCuts(v, 32, 3);
    expect(cuts.length).toBeLessThanOrEqual(31);
    expect(cuts.length).toBeGreaterThanOrEqual(28);
    const counts = new Array(cuts.length + 1).fill(0);
    const b = { cuts, nanBin: -1, numBins: cuts.length + 1 };
    for (const x of v) counts[binOf(b, x)]++;
    const zeroBin = binOf(b, 0);
    expect(counts[zeroBin]).toBe(5000); // the zeros alone
    expect(binOf(b, -0.01)).toBe(zeroBin - 1);
    expect(binOf(b, 0.01)).toBe(zeroBin + 1);
    const others = counts.filter((_, k) => k !== zeroBin);
    expect(Math.max(...others)).toBeLessThan((2.2 * 45_000) / others.length);
  });

  it('a bin is a float32 comparison with its cut, as the evaluator does it; missing values get their own bin', () => {
    const random = seededRandom(5);
    const n = 3000;
    const X = new Float64Array(n);
    for (let i = 0; i < n; i++) X[i] = i % 97 === 0 ? NaN : Math.round(random() * 400) / 7 + (i % 3) * 1e-9; // float64 neighbours of one float32
    const { binnings, bins } = binFeatures(X, n, 1, { maxBin: 64, minDataInBin: 3, sampleRows: 1000, seed: 1 });
    const b = binnings[0]!;
    expect(b.nanBin).toBe(b.cuts.length + 1);
    expect(b.cuts.length).toBeGreaterThan(50);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(X[i]!)) wrong += bins[i] === b.nanBin ? 0 : 1;
      else for (let k = 0; k < b.cuts.length; k++) wrong += bins[i]! <= k === Math.fround(X[i]!) < b.cuts[k]! ? 0 : 1;
    }
    expect(wrong).toBe(0);
  });
});

describe('gbdt: training', () => {
  it('the generated histogram kernels add exactly what the plain loops add', () => {
    const random = seededRandom(2);
    const f = 5;
    const n = 1000;
    const offsets = Int32Array.of(0, 7, 9, 20, 21);
    const bins = Uint8Array.from({ length: n * f }, (_, k) => Math.floor(random() * [7, 2, 11, 1, 30][k % f]!));
    const g = Float32Array.from({ length: n }, () => random() - 0.5);
    const h = Float32Array.from({ length: n }, () => random());
    const rows = Int32Array.from({ length: 300 }, () => Math.floor(random() * n));
    const [a, b, c, d] = [0, 0, 0, 0].map(() => new Float64Array(51 * 2));
    histogramKernels(offsets).all(bins, g, h, n, a!);
    loopKernels(offsets).all(bins, g, h, n, b!);
    histogramKernels(offsets).rows(bins, g, h, rows, 10, 250, c!);
    loopKernels(offsets).rows(bins, g, h, rows, 10, 250, d!);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(Array.from(c!)).toEqual(Array.from(d!));
    expect(a!.some((v) => v !== 0)).toBe(true);
  });

  const frame = syntheticFrame(6000, 31);
  const f = 3;
  const X = new Float64Array(frame.length * f);
  ['a', 'b', 'c'].forEach((c, j) => frame.get(c).forEach((v, i) => (X[i * f + j] = i % 50 === 7 && j === 1 ? NaN : v)));
  const y = frame.get('y');

  it('routes every row through the model file’s thresholds exactly as through its bins', () => {
    const s = gbSettings({ num_boost_round: 30, num_leaves: 15, learning_rate: 0.3 }, { name: 'gb', isRegression: false, seed: 1 });
    const { model } = trainGbdt(X, y, frame.length, f, s);
    const { bins } = binFeatures(X, frame.length, f, { maxBin: s.maxBin, minDataInBin: s.minDataInBin, sampleRows: s.binSampleRows, seed: s.seed });
    const byValue = (t: GbdtTree, i: number) => {
      let node = 0;
      while (t.left[node]! >= 0) {
        const x = Math.fround(X[i * f + t.feature[node]!]!);
        node = Number.isNaN(x) ? (t.defaultLeft[node] ? t.left[node]! : t.right[node]!) : x < t.threshold[node]! ? t.left[node]! : t.right[node]!;
      }
      return node;
    };
    let compared = 0;
    for (const t of model.trees) for (let i = 0; i < frame.length; i++, compared++) if (byValue(t, i) !== leafOf(t, bins, f, i)) expect.fail(`row ${i} leaves its bins' leaf`);
    expect(compared).toBe(30 * frame.length);
    expect(model.trees.some((t) => t.left.length > 20)).toBe(true);
  });

  it('its own training scores are those of its model file (stumps, deeper trees, bagging)', () => {
    const complete = Array.from({ length: frame.length }, (_, i) => i).filter((i) => i % 50 !== 7);
    const Xc = Float64Array.from(complete.flatMap((i) => Array.from(X.subarray(i * f, i * f + f))));
    const yc = Float64Array.from(complete, (i) => y[i]!);
    for (const train of [{ max_depth: 1 }, { num_leaves: 15 }, { num_leaves: 15, bagging_fraction: 0.7, bagging_freq: 1 }]) {
      const s = gbSettings({ num_boost_round: 40, learning_rate: 0.3, ...train }, { name: 'gb', isRegression: false, seed: 1 });
      const r = trainGbdt(Xc, yc, complete.length, f, s);
      const p = treeEnsembleFromXgboostJson(xgboostJsonOfGbdt(r.model)).predict(Xc, complete.length);
      let loss = 0;
      for (let i = 0; i < complete.length; i++) loss -= yc[i]! > 0.5 ? Math.log(p[i]!) : Math.log(1 - p[i]!);
      expect(loss / complete.length).toBeCloseTo(r.trainLoss, 5);
    }
  });

  it('learns the synthetic target to near its best possible AUC on unseen rows', () => {
    const test = syntheticFrame(4000, 32);
    const Xt = new Float64Array(test.length * f);
    ['a', 'b', 'c'].forEach((c, j) => test.get(c).forEach((v, i) => (Xt[i * f + j] = v)));
    const s = gbSettings({ objective: 'cross_entropy', num_boost_round: 200, learning_rate: 0.05, num_leaves: 7 }, { name: 'gb', isRegression: false, seed: 1 });
    const { model } = trainGbdt(X, y, frame.length, f, s);
    const p = treeEnsembleFromXgboostJson(xgboostJsonOfGbdt(model)).predict(Xt, test.length);
    const best = rocAuc(test.get('y'), bayesScores(test));
    expect(best).toBeGreaterThan(0.8);
    expect(rocAuc(test.get('y'), p)).toBeGreaterThan(best - 0.015);
  });

  it('stops early on the held-out latest rows and keeps the best round’s trees', () => {
    const s = gbSettings({ num_boost_round: 400, num_leaves: 31, learning_rate: 0.5, early_stopping_round: 10, validation_fraction: 0.25 }, { name: 'gb', isRegression: false, seed: 1 });
    const r = trainGbdt(X, y, frame.length, f, s);
    expect(r.stoppedEarly).toBe(true);
    expect(r.validRows).toBe(1500);
    expect(r.trainRows).toBe(4500);
    expect(r.roundsRun).toBe(r.bestIteration + 10);
    expect(r.model.trees).toHaveLength(r.bestIteration);
    expect(r.bestIteration).toBeLessThan(100);
    // the kept model scores the held-out rows with the best metric seen
    const held = X.subarray(4500 * f);
    const p = treeEnsembleFromXgboostJson(xgboostJsonOfGbdt(r.model)).predict(held, 1500);
    let loss = 0;
    for (let i = 0; i < 1500; i++) loss -= y[4500 + i]! > 0.5 ? Math.log(p[i]!) : Math.log(1 - p[i]!);
    expect(loss / 1500).toBeCloseTo(r.validMetric!, 5);
  });

  it('leaves a label_horizon gap between the rows it trains on and the held-out rows (their labels would look into them)', () => {
    const train = { num_boost_round: 400, num_leaves: 31, learning_rate: 0.5, early_stopping_round: 10, validation_fraction: 0.25 };
    const s = gbSettings(train, { name: 'gb', isRegression: false, seed: 1, labelHorizon: 200 });
    const r = trainGbdt(X, y, frame.length, f, s);
    expect(r.validRows).toBe(1500);
    expect(r.gapRows).toBe(200);
    expect(r.trainRows).toBe(4300);
    // the gap's rows take no part: whatever their features and labels, the same trees (and the same held-out rows decide)
    const X2 = X.slice();
    const y2 = y.slice();
    for (let i = 4300; i < 4500; i++) {
      y2[i] = 1 - y2[i]!;
      for (let j = 0; j < f; j++) X2[i * f + j] = -X2[i * f + j]!;
    }
    const r2 = trainGbdt(X2, y2, frame.length, f, s);
    expect(xgboostJsonOfGbdt(r2.model)).toBe(xgboostJsonOfGbdt(r.model));
    expect(r2.validMetric).toBe(r.validMetric);
    // too few rows for the held-out slice and the gap is one sentence
    expect(() => trainGbdt(X, y, 240, f, s)).toThrow(/leaves no row to train on/);
  });

  it('repeats a run exactly for a seed (bagging and feature_fraction draw from it)', () => {
    const run = (seed: number) =>
      xgboostJsonOfGbdt(trainGbdt(X, y, frame.length, f, gbSettings({ num_boost_round: 20, bagging_fraction: 0.5, bagging_freq: 1, feature_fraction: 0.67 }, { name: 'gb', isRegression: false, seed }), undefined).model);
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });
});
