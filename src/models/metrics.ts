/**
 * Prediction metrics as the original's predictions.txt reports them (scikit-learn's
 * definitions): ROC AUC with tied scores averaged, average precision over distinct
 * thresholds, and f1/precision/recall of score > 0.5 (0 when undefined).
 */

import { sortNumbers } from '../core/sort.ts';

/**
 * The distinct scores from high to low, each with its count of positives (truth > 0.5) and of
 * negatives. Two native numeric sorts (positives' scores, negatives' scores) and one merge: no
 * comparator calls, which a year of rows pays for in seconds.
 */
type ScoreGroups = { pos: Int32Array; neg: Int32Array; groups: number };

function scoreGroups(truth: Float64Array, score: Float64Array): ScoreGroups {
  let npos = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i]! > 0.5) npos++;
  const ps = new Float64Array(npos);
  const ns = new Float64Array(truth.length - npos);
  for (let i = 0, a = 0, b = 0; i < truth.length; i++) {
    if (truth[i]! > 0.5) ps[a++] = score[i]!;
    else ns[b++] = score[i]!;
  }
  sortNumbers(ps);
  sortNumbers(ns);
  const pos = new Int32Array(truth.length);
  const neg = new Int32Array(truth.length);
  let g = 0;
  let i = ps.length - 1;
  let j = ns.length - 1;
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? ns[j]! : j < 0 ? ps[i]! : Math.max(ps[i]!, ns[j]!);
    let p = 0;
    let q = 0;
    while (i >= 0 && ps[i] === v) {
      p++;
      i--;
    }
    while (j >= 0 && ns[j] === v) {
      q++;
      j--;
    }
    if (!p && !q) {
      // NaN scores (sorted last, so met first) form one group each, as a comparator sort leaves them
      if (i >= 0 && ps[i] !== ps[i]) {
        p = 1;
        i--;
      } else {
        q = 1;
        j--;
      }
    }
    pos[g] = p;
    neg[g] = q;
    g++;
  }
  return { pos, neg, groups: g };
}


/** ROC AUC; 0 when only one class is present (as the original reports it). */
export function rocAuc(truth: Float64Array, score: Float64Array, grouped = scoreGroups(truth, score)): number {
  const { pos: gp, neg: gn, groups } = grouped;
  let pos = 0;
  for (let g = 0; g < groups; g++) pos += gp[g]!;
  const neg = truth.length - pos;
  if (!pos || !neg) return 0;
  // Count, for each positive, the negatives ranked below it; a tie counts half.
  let auc = 0;
  let negBelow = neg;
  for (let g = 0; g < groups; g++) {
    const q = gn[g]!;
    negBelow -= q;
    auc += gp[g]! * (negBelow + q / 2);
  }
  return auc / (pos * neg);
}

/** Average precision: Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct score thresholds, high to low. */
export function averagePrecision(truth: Float64Array, score: Float64Array, grouped = scoreGroups(truth, score)): number {
  const { pos: gp, neg: gn, groups } = grouped;
  let pos = 0;
  for (let g = 0; g < groups; g++) pos += gp[g]!;
  if (!pos) return 0;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let g = 0; g < groups; g++) {
    tp += gp[g]!;
    fp += gn[g]!;
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export interface ClassificationScores {
  auc: number;
  ap: number;
  f1: number;
  precision: number;
  recall: number;
}

export function classificationScores(truth: Float64Array, score: Float64Array, threshold = 0.5): ClassificationScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]! > 0.5;
    const p = score[i]! > threshold;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  const grouped = scoreGroups(truth, score); // one sort for both
  return { auc: rocAuc(truth, score, grouped), ap: averagePrecision(truth, score, grouped), f1, precision, recall };
}

export interface RegressionScores extends ClassificationScores {
  mae: number;
  mape: number;
  r2: number;
}

/** mae, mape, r2, then the classification scores of the signs (value > 0) of truth and prediction. */
export function regressionScores(truth: Float64Array, pred: Float64Array): RegressionScores {
  const n = truth.length;
  let mae = 0;
  let mape = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(truth[i]! - pred[i]!);
    mae += e;
    mape += e / Math.max(Math.abs(truth[i]!), Number.EPSILON);
    mean += truth[i]!;
  }
  mean /= n || 1;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (truth[i]! - pred[i]!) ** 2;
    ssTot += (truth[i]! - mean) ** 2;
  }
  const sign = (a: Float64Array) => a.map((v) => (v > 0 ? 1 : 0));
  const cls = classificationScores(sign(truth), sign(pred));
  return { mae: n ? mae / n : NaN, mape: n ? mape / n : NaN, r2: ssTot ? 1 - ssRes / ssTot : ssRes ? 0 : 1, ...cls };
}

/** Python's repr of a float rounded to 3 decimals: 0.0, 0.612, nan. */
function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  const r = Math.round(v * 1000) / 1000;
  const s = String(r === 0 ? 0 : r);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** One line of predictions.txt: `high_20_lc: {'auc': 0.612, 'ap': 0.1, …}`. */
export function formatScoreLine(scoreColumn: string, scores: object): string {
  const body = Object.entries(scores)
    .map(([k, v]) => `'${k}': ${pyFloat(v as number)}`)
    .join(', ');
  return `${scoreColumn}: {${body}}`;
}

/** Scores of one score column against its label, rows with NaN in either dropped. */
export function scoreAgainstLabel(label: Float64Array, score: Float64Array, isRegression: boolean): ClassificationScores | RegressionScores {
  let n = 0;
  for (let i = 0; i < label.length; i++) if (label[i] === label[i] && score[i] === score[i]) n++;
  const t = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0, k = 0; i < label.length; i++) {
    if (label[i] === label[i] && score[i] === score[i]) {
      t[k] = label[i]!;
      s[k++] = score[i]!;
    }
  }
  return isRegression ? regressionScores(t, s) : classificationScores(t, s);
}
