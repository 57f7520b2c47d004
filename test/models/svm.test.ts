import { describe, expect, it } from 'vitest';
import { loadLibsvm } from '../../src/models/svc.ts';
import { parseLibsvmModel } from '../../src/models/svmModel.ts';
import { seededRandom } from '../../src/models/random.ts';

/** Rows of f uniform values and a noisy threshold label on the first one. */
function data(n: number, f: number, seed: number, firstLabel: number) {
  const r = seededRandom(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: f }, () => r() * 2 - 1);
    X.push(row);
    y.push(row[0]! + 0.4 * r() > 0.5 ? 1 : 0);
  }
  y[0] = firstLabel; // libsvm orders the labels as it meets them
  return { X, y };
}

describe('libsvm models scored in JS', () => {
  it.each([0, 1])('give libsvm-js’s own probabilities (first label %i)', async (firstLabel) => {
    const SVM = await loadLibsvm();
    const { X, y } = data(600, 5, 3 + firstLabel, firstLabel);
    const svm = new SVM({ type: SVM.SVM_TYPES.C_SVC, kernel: SVM.KERNEL_TYPES.RBF, gamma: 0.2, cost: 1, probabilityEstimates: true, quiet: true });
    svm.train(X, y);
    const text = svm.serializeModel();
    expect(text).toMatch(new RegExp(`^label ${firstLabel} ${1 - firstLabel}$`, 'm'));
    const reference = svm.predictProbability(X).map((o) => o.estimates.find((e) => e.label === 1)!.probability);
    const ours = parseLibsvmModel(text, 5).predict(Float64Array.from(X.flat()), X.length);
    let worst = 0;
    for (let i = 0; i < X.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - reference[i]!));
    expect(worst).toBeLessThan(1e-5); // libsvm's text keeps 8 significant digits of the support vectors
    expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(0.5);
    svm.free();
  });

  it('give libsvm-js’s own SVR values, for each kernel', async () => {
    const SVM = await loadLibsvm();
    const { X } = data(300, 3, 9, 0);
    const target = X.map((r) => 2 * r[0]! - r[1]! + 0.5 * r[2]! ** 2);
    for (const kernel of ['RBF', 'LINEAR', 'POLYNOMIAL', 'SIGMOID']) {
      const svm = new SVM({ type: SVM.SVM_TYPES.EPSILON_SVR, kernel: SVM.KERNEL_TYPES[kernel], gamma: 0.3, coef0: 0.5, degree: 2, cost: 1, quiet: true });
      svm.train(X, target);
      const reference = svm.predict(X);
      const ours = parseLibsvmModel(svm.serializeModel(), 3).predict(Float64Array.from(X.flat()), X.length);
      for (let i = 0; i < X.length; i++) expect(ours[i]).toBeCloseTo(reference[i]!, 5);
      svm.free();
    }
  });
});
