import { UserError } from '../shared/errors.ts';
import type { GbSettings } from './gbParams.ts';
import { binFeatures, binRows, type FeatureBinning } from './gbdtBins.ts';
import { histogramKernels, type HistogramKernels } from './gbdtKernels.ts';
import { rocAuc } from './metrics.ts';
import { seededRandom } from './random.ts';

/**
 * Our gradient-boosted decision trees, LightGBM's way: features binned once (gbdtBins.ts),
 * gradient/hessian histograms per leaf (the smaller child built from its rows, the larger
 * one as parent − smaller), trees grown leaf-wise (the leaf whose best split gains most is
 * split next) up to `num_leaves` and `max_depth`, L1/L2-regularised leaf values and gains,
 * `min_data_in_leaf` and `min_sum_hessian_in_leaf`, the first score from the label average.
 * Row counts per bin are estimated from the hessians, as LightGBM does.
 *
 * For the logistic loss (objective binary) a row's gradient is p − y and its hessian
 * p·(1 − p), p = σ(score); for squared error (regression) they are score − y and 1. A leaf with
 * gradient sum G and hessian sum H gets the value −T(G)/(H + λ₂) and scores T(G)²/(H + λ₂),
 * T(G) = sign(G)·max(0, |G| − λ₁); a split gains its children's scores minus its leaf's.
 */

export interface GbdtTree {
  /** Children of inner nodes, −1 at leaves; node 0 is the root. */
  left: Int32Array;
  right: Int32Array;
  /** Parent of each node, −1 at the root. */
  parent: Int32Array;
  feature: Int32Array;
  /** Rows whose bin is ≤ this go left. */
  binThreshold: Int32Array;
  /** The feature's missing bin where missing values go left, else −1. */
  nanLeftBin: Int32Array;
  /** The same split on values: x < threshold goes left (float32 comparison); missing values follow defaultLeft. */
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  /** Output of each node (the leaf values at leaves), learning rate applied. */
  value: Float64Array;
  /** Gain of the split at inner nodes, 0 at leaves. */
  gain: Float64Array;
  /** Sum of the hessians of the node's rows. */
  hessian: Float64Array;
}

export interface GbdtModel {
  objective: GbSettings['objective'];
  numFeatures: number;
  /** Score before the first tree (log-odds for binary). */
  initScore: number;
  trees: GbdtTree[];
}

export interface GbdtRound {
  round: number;
  rounds: number;
  /** Training loss (logloss or l2) after this round. */
  trainLoss: number;
  /** The validation metric after this round, when early stopping is on. */
  validMetric?: number;
}

export interface GbdtFit {
  model: GbdtModel;
  roundsRun: number;
  /** Trees kept: the best round's when early stopping is on, else all. */
  bestIteration: number;
  stoppedEarly: boolean;
  trainLoss: number;
  /** Rows trained on, held out for validation, and left out between them (see GbSettings.validationGap). */
  trainRows: number;
  validRows: number;
  gapRows: number;
  validMetric?: number;
  bins: number[];
}

const MISSING = -1;

/** A leaf's value before shrinkage: −T(G)/(H + λ₂). */
export function leafOutput(G: number, H: number, l1: number, l2: number): number {
  const t = Math.sign(G) * Math.max(0, Math.abs(G) - l1);
  return H + l2 > 0 ? -t / (H + l2) : 0;
}

/** A leaf's score T(G)²/(H + λ₂); a split gains left + right − parent. */
export function leafScore(G: number, H: number, l1: number, l2: number): number {
  const t = Math.sign(G) * Math.max(0, Math.abs(G) - l1);
  return H + l2 > 0 ? (t * t) / (H + l2) : 0;
}

/** Rows order[begin[l]…begin[l] + count[l]) lie in leaf l, node node[l] of the tree. */
interface LeafSegments {
  order: Int32Array;
  begin: Int32Array;
  count: Int32Array;
  node: Int32Array;
  leaves: number;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  leftG: number;
  leftH: number;
  leftCount: number;
}

/** Grows one tree at a time over the binned rows; its buffers are reused from tree to tree. */
class TreeGrower {
  private readonly totalBins: number;
  private readonly offsets: Int32Array;
  private readonly kernels: HistogramKernels;
  private readonly pool: Float64Array[] = [];
  /** Rows ordered leaf by leaf, and room to partition them (allocated for trees deeper than one split). */
  private order = new Int32Array(0);
  private scratch = new Int32Array(0);
  private readonly maxDepth: number;
  // per leaf
  private readonly leafNode: Int32Array;
  private readonly leafBegin: Int32Array;
  private readonly leafCount: Int32Array;
  private readonly leafG: Float64Array;
  private readonly leafH: Float64Array;
  private readonly leafDepth: Int32Array;
  private readonly leafHist: (Float64Array | null)[];
  private readonly best: (Split | null)[];
  // nodes under construction
  private readonly nodes: { left: number[]; right: number[]; parent: number[]; feature: number[]; bin: number[]; defaultLeft: number[]; G: number[]; H: number[]; gain: number[] } = {
    left: [],
    right: [],
    parent: [],
    feature: [],
    bin: [],
    defaultLeft: [],
    G: [],
    H: [],
    gain: [],
  };

  constructor(
    private readonly s: GbSettings,
    private readonly binnings: FeatureBinning[],
    private readonly bins: Uint8Array,
    private readonly f: number,
  ) {
    this.offsets = new Int32Array(f);
    let total = 0;
    binnings.forEach((b, j) => {
      this.offsets[j] = total;
      total += b.numBins;
    });
    this.totalBins = total;
    this.kernels = histogramKernels(this.offsets);
    this.maxDepth = s.maxDepth > 0 ? s.maxDepth : Infinity;
    const L = s.numLeaves;
    this.leafNode = new Int32Array(L);
    this.leafBegin = new Int32Array(L);
    this.leafCount = new Int32Array(L);
    this.leafG = new Float64Array(L);
    this.leafH = new Float64Array(L);
    this.leafDepth = new Int32Array(L);
    this.leafHist = new Array<Float64Array | null>(L).fill(null);
    this.best = new Array<Split | null>(L).fill(null);
  }

  private takeHist(): Float64Array {
    return this.pool.pop()?.fill(0) ?? new Float64Array(this.totalBins * 2);
  }

  private release(leaf: number): void {
    const h = this.leafHist[leaf];
    if (h) this.pool.push(h);
    this.leafHist[leaf] = null;
  }

  /** Histogram of the rows `rows[0…count)` (all rows when `rows` is null): the root's. */
  rootHistogram(g: Float32Array, h: Float32Array, rows: Int32Array | null, count: number): Float64Array {
    const hist = this.takeHist();
    if (rows) this.kernels.rows(this.bins, g, h, rows, 0, count, hist);
    else this.kernels.all(this.bins, g, h, count, hist);
    return hist;
  }

  /** The best split of a leaf over the usable features, or null. */
  private findSplit(hist: Float64Array, G: number, H: number, count: number, usable: Uint8Array): Split | null {
    const { lambdaL1: l1, lambdaL2: l2, minDataInLeaf: minData, minSumHessianInLeaf: minHess } = this.s;
    const minGain = leafScore(G, H, l1, l2) + this.s.minGainToSplit;
    const perHessian = count / H;
    let best: Split | null = null;
    let bestGain = minGain;
    const consider = (feature: number, bin: number, defaultLeft: boolean, gl: number, hl: number, cl: number) => {
      const cr = count - cl;
      const hr = H - hl;
      if (cl < minData || cr < minData || hl < minHess || hr < minHess) return;
      const gain = leafScore(gl, hl, l1, l2) + leafScore(G - gl, hr, l1, l2);
      if (gain > bestGain) {
        bestGain = gain;
        best = { gain: gain - minGain, feature, bin, defaultLeft, leftG: gl, leftH: hl, leftCount: cl };
      }
    };
    for (let j = 0; j < this.f; j++) {
      if (!usable[j]) continue;
      const b = this.binnings[j]!;
      const valueBins = b.cuts.length + 1;
      const o = this.offsets[j]! << 1;
      let nanG = 0;
      let nanH = 0;
      let nanC = 0;
      if (b.nanBin >= 0) {
        nanG = hist[o + 2 * b.nanBin]!;
        nanH = hist[o + 2 * b.nanBin + 1]!;
        nanC = Math.round(nanH * perHessian);
      }
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let t = 0; t < valueBins - 1; t++) {
        const bg = hist[o + 2 * t]!;
        const bh = hist[o + 2 * t + 1]!;
        gl += bg;
        hl += bh;
        cl += Math.round(bh * perHessian);
        if (b.nanBin >= 0) {
          consider(j, t, false, gl, hl, cl);
          if (nanC > 0 || nanH > 0) consider(j, t, true, gl + nanG, hl + nanH, cl + nanC);
        } else {
          // No missing values in training: they will follow the larger child.
          consider(j, t, cl >= count - cl, gl, hl, cl);
        }
      }
    }
    return best;
  }

  /** Stable partition of a leaf's rows by a split; returns the left count. */
  private partition(leaf: number, sp: Split, nanLeft: number): number {
    const { order, scratch, bins, f } = this;
    const begin = this.leafBegin[leaf]!;
    const end = begin + this.leafCount[leaf]!;
    const feature = sp.feature;
    const thr = sp.bin;
    let nl = begin;
    let nr = 0;
    for (let k = begin; k < end; k++) {
      const i = order[k]!;
      const b = bins[i * f + feature]!;
      if (b <= thr || b === nanLeft) order[nl++] = i;
      else scratch[nr++] = i;
    }
    order.set(scratch.subarray(0, nr), nl);
    return nl - begin;
  }

  /**
   * One tree on gradients g, hessians h of the rows `rows[0…count)` (all rows when null),
   * whose histogram is `rootHist`.
   */
  grow(g: Float32Array, h: Float32Array, rows: Int32Array | null, count: number, rootHist: Float64Array, usable: Uint8Array): GbdtTree {
    const s = this.s;
    const nd = this.nodes;
    for (const a of Object.values(nd)) a.length = 0;
    // Root sums from the histogram of the first feature (every row lies in one of its bins).
    let G = 0;
    let H = 0;
    for (let t = 0; t < this.binnings[0]!.numBins; t++) {
      G += rootHist[2 * t]!;
      H += rootHist[2 * t + 1]!;
    }
    const newNode = (parent: number, nodeG: number, nodeH: number) => {
      nd.left.push(-1);
      nd.right.push(-1);
      nd.parent.push(parent);
      nd.feature.push(0);
      nd.bin.push(0);
      nd.defaultLeft.push(0);
      nd.G.push(nodeG);
      nd.H.push(nodeH);
      nd.gain.push(0);
      return nd.left.length - 1;
    };
    // Without bagging, every split of a tree that may split more than once orders its rows, so
    // that the scores can then be updated leaf by leaf instead of walking the tree for each row.
    const partitionAll = !rows && s.numLeaves > 2 && this.maxDepth > 1;
    let orderReady = false;
    const prepareOrder = () => {
      if (orderReady) return;
      if (this.order.length < count) {
        this.order = new Int32Array(count);
        this.scratch = new Int32Array(count);
      }
      if (rows) this.order.set(rows.subarray(0, count));
      else for (let i = 0; i < count; i++) this.order[i] = i;
      orderReady = true;
    };

    this.leafNode[0] = newNode(-1, G, H);
    this.leafBegin[0] = 0;
    this.leafCount[0] = count;
    this.leafG[0] = G;
    this.leafH[0] = H;
    this.leafDepth[0] = 0;
    this.leafHist[0] = rootHist;
    this.best[0] = this.maxDepth > 0 && count >= 2 * s.minDataInLeaf ? this.findSplit(rootHist, G, H, count, usable) : null;
    let leaves = 1;

    while (leaves < s.numLeaves) {
      let leaf = -1;
      for (let l = 0; l < leaves; l++) if (this.best[l] && (leaf < 0 || this.best[l]!.gain > this.best[leaf]!.gain)) leaf = l;
      if (leaf < 0) break;
      const sp = this.best[leaf]!;
      const b = this.binnings[sp.feature]!;
      const nanLeft = sp.defaultLeft && b.nanBin >= 0 ? b.nanBin : MISSING;
      const node = this.leafNode[leaf]!;
      const right = leaves++;
      const depth = this.leafDepth[leaf]! + 1;
      const leftNode = newNode(node, sp.leftG, sp.leftH);
      const rightNode = newNode(node, this.leafG[leaf]! - sp.leftG, this.leafH[leaf]! - sp.leftH);
      nd.left[node] = leftNode;
      nd.right[node] = rightNode;
      nd.feature[node] = sp.feature;
      nd.bin[node] = sp.bin;
      nd.defaultLeft[node] = sp.defaultLeft ? 1 : 0;
      nd.gain[node] = sp.gain;

      const parentHist = this.leafHist[leaf]!;
      this.leafHist[leaf] = null;
      this.best[leaf] = null;
      this.best[right] = null;
      this.leafNode[leaf] = leftNode;
      this.leafNode[right] = rightNode;
      this.leafDepth[leaf] = depth;
      this.leafDepth[right] = depth;
      this.leafG[right] = this.leafG[leaf]! - sp.leftG;
      this.leafH[right] = this.leafH[leaf]! - sp.leftH;
      this.leafG[leaf] = sp.leftG;
      this.leafH[leaf] = sp.leftH;

      const mayGrow = depth < this.maxDepth && leaves < s.numLeaves;
      if (!mayGrow && !partitionAll) {
        this.pool.push(parentHist);
        continue;
      }
      prepareOrder();
      const total = this.leafCount[leaf]!;
      const leftCount = this.partition(leaf, sp, nanLeft);
      this.leafBegin[right] = this.leafBegin[leaf]! + leftCount;
      this.leafCount[right] = total - leftCount;
      this.leafCount[leaf] = leftCount;
      if (!mayGrow || (leftCount < 2 * s.minDataInLeaf && total - leftCount < 2 * s.minDataInLeaf)) {
        this.pool.push(parentHist);
        continue;
      }
      const [small, large] = leftCount < total - leftCount ? [leaf, right] : [right, leaf];
      const smallHist = this.takeHist();
      this.kernels.rows(this.bins, g, h, this.order, this.leafBegin[small]!, this.leafBegin[small]! + this.leafCount[small]!, smallHist);
      for (let k = 0; k < parentHist.length; k++) parentHist[k] -= smallHist[k]!;
      this.leafHist[small] = smallHist;
      this.leafHist[large] = parentHist;
      for (const l of [leaf, right]) this.best[l] = this.findSplit(this.leafHist[l]!, this.leafG[l]!, this.leafH[l]!, this.leafCount[l]!, usable);
    }
    for (let l = 0; l < leaves; l++) this.release(l);
    this.segments = partitionAll ? { order: this.order, begin: this.leafBegin, count: this.leafCount, node: this.leafNode, leaves } : null;
    return this.finish();
  }

  /** The last tree's rows leaf by leaf, when every split partitioned them (all rows, trees of more than one split). */
  segments: LeafSegments | null = null;

  private finish(): GbdtTree {
    const nd = this.nodes;
    const m = nd.left.length;
    const { lambdaL1: l1, lambdaL2: l2, learningRate } = this.s;
    const tree: GbdtTree = {
      left: Int32Array.from(nd.left),
      right: Int32Array.from(nd.right),
      parent: Int32Array.from(nd.parent),
      feature: Int32Array.from(nd.feature),
      binThreshold: Int32Array.from(nd.bin),
      nanLeftBin: new Int32Array(m).fill(MISSING),
      threshold: new Float32Array(m),
      defaultLeft: Uint8Array.from(nd.defaultLeft),
      value: new Float64Array(m),
      gain: Float64Array.from(nd.gain),
      hessian: Float64Array.from(nd.H),
    };
    for (let k = 0; k < m; k++) {
      tree.value[k] = leafOutput(nd.G[k]!, nd.H[k]!, l1, l2) * learningRate;
      if (tree.left[k]! >= 0) {
        const b = this.binnings[tree.feature[k]!]!;
        tree.threshold[k] = b.cuts[tree.binThreshold[k]!]!;
        if (tree.defaultLeft[k] && b.nanBin >= 0) tree.nanLeftBin[k] = b.nanBin;
      }
    }
    return tree;
  }
}

/** The leaf row i of the row-major bins (f features a row) falls in. */
export function leafOf(tree: GbdtTree, bins: Uint8Array, f: number, i: number): number {
  const { left, right, feature, binThreshold, nanLeftBin } = tree;
  let node = 0;
  while (left[node]! >= 0) {
    const b = bins[i * f + feature[node]!]!;
    node = b <= binThreshold[node]! || b === nanLeftBin[node] ? left[node]! : right[node]!;
  }
  return node;
}

/**
 * Adds `sign` × `tree` to the scores of rows [0, n). With `prob`, also moves the rows'
 * probabilities σ(score) along: σ(s + v) = σ(s)·eᵛ / (1 + σ(s)·(eᵛ − 1)), one exp per leaf
 * instead of one per row (the exp was most of the gradient pass).
 */
function addTree(tree: GbdtTree, bins: Uint8Array, f: number, n: number, score: Float64Array, prob: Float64Array | null, sign = 1): void {
  const value = tree.value.map((v) => sign * v);
  const grow = value.map(Math.expm1);
  if (tree.left.length === 3) {
    // One split (the stumps of max_depth 1): no walk.
    const col = tree.feature[0]!;
    const thr = tree.binThreshold[0]!;
    const nanLeft = tree.nanLeftBin[0]!;
    const vl = value[tree.left[0]!]!;
    const vr = value[tree.right[0]!]!;
    const el = grow[tree.left[0]!]!;
    const er = grow[tree.right[0]!]!;
    for (let i = 0; i < n; i++) {
      const b = bins[i * f + col]!;
      const goLeft = b <= thr || b === nanLeft;
      score[i] += goLeft ? vl : vr;
      if (prob) {
        const p = prob[i]!;
        const e = goLeft ? el : er;
        prob[i] = (p * (1 + e)) / (1 + p * e);
      }
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const leaf = leafOf(tree, bins, f, i);
    score[i] += value[leaf]!;
    if (prob) {
      const p = prob[i]!;
      const e = grow[leaf]!;
      prob[i] = (p * (1 + e)) / (1 + p * e);
    }
  }
}

/** addTree for the training rows of a tree whose rows `seg` holds leaf by leaf (no walk). */
function addTreeByLeaves(tree: GbdtTree, seg: LeafSegments, score: Float64Array, prob: Float64Array | null): void {
  for (let l = 0; l < seg.leaves; l++) {
    const v = tree.value[seg.node[l]!]!;
    const e = Math.expm1(v);
    const end = seg.begin[l]! + seg.count[l]!;
    for (let k = seg.begin[l]!; k < end; k++) {
      const i = seg.order[k]!;
      score[i] += v;
      if (prob) {
        const p = prob[i]!;
        prob[i] = (p * (1 + e)) / (1 + p * e);
      }
    }
  }
}

function logloss(y: number, score: number): number {
  // −log σ(s) for y = 1, −log(1 − σ(s)) for y = 0, without overflow
  const z = y > 0.5 ? -score : score;
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function metricOf(metric: GbSettings['metric'], y: Float64Array, score: Float64Array): number {
  const n = y.length;
  if (metric === 'auc') return rocAuc(y, score);
  let sum = 0;
  if (metric === 'binary_logloss') for (let i = 0; i < n; i++) sum += logloss(y[i]!, score[i]!);
  else for (let i = 0; i < n; i++) sum += (score[i]! - y[i]!) ** 2;
  return metric === 'rmse' ? Math.sqrt(sum / n) : sum / n;
}

/**
 * Trains on rows [0, n) of X (row-major, f features, NaN = missing) with targets y (0/1 for
 * binary). With early stopping, the last `validationFraction` of the rows (the latest, for
 * time-ordered data) are held out and the trees of the best round are kept.
 */
export function trainGbdt(X: Float64Array, y: Float64Array, n: number, f: number, s: GbSettings, onRound?: (r: GbdtRound) => void): GbdtFit {
  if (n < 1 || f < 1) throw new Error('gbdt needs at least one row and one feature');
  const validRows = s.earlyStoppingRounds > 0 ? Math.floor(n * s.validationFraction) : 0;
  const early = validRows > 0;
  const gapRows = early ? s.validationGap : 0;
  // rows [0, nt) are trained on, [n - validRows, n) held out, the gap between them left out
  const nt = n - validRows - gapRows;
  if (nt < 1) {
    throw new UserError(
      `gb: early stopping holds out the last ${validRows} of ${n} rows after a gap of ${gapRows} rows (label_horizon: the labels of the rows before it look into it), which leaves no row to train on; lower validation_fraction or train on more rows`,
    );
  }
  const binary = s.objective === 'binary';
  const { binnings, bins } = binFeatures(X, nt, f, { maxBin: s.maxBin, minDataInBin: s.minDataInBin, sampleRows: s.binSampleRows, seed: s.seed });
  const validBins = early ? binRows(X.subarray((n - validRows) * f), validRows, f, binnings) : null;
  const yt = y.subarray(0, nt);
  const yv = y.subarray(n - validRows, n);

  let positives = 0;
  let mean = 0;
  for (let i = 0; i < nt; i++) {
    mean += yt[i]!;
    if (yt[i]! > 0.5) positives++;
  }
  mean /= nt;
  // Weights of the two classes (is_unbalance, scale_pos_weight).
  let wPos = 1;
  let wNeg = 1;
  if (binary && s.isUnbalance && positives > 0 && positives < nt) {
    if (positives > nt - positives) wNeg = positives / (nt - positives);
    else wPos = (nt - positives) / positives;
  }
  if (binary) wPos *= s.scalePosWeight;
  let initScore = 0;
  if (s.boostFromAverage) {
    if (binary) {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, positives / nt));
      initScore = Math.log(p / (1 - p));
    } else initScore = mean;
  }
  const oneClass = binary && (positives === 0 || positives === nt);

  const score = new Float64Array(nt).fill(initScore);
  const validScore = new Float64Array(validRows).fill(initScore);
  const g = new Float32Array(nt);
  const h = new Float32Array(nt);
  const grower = new TreeGrower(s, binnings, bins, f);
  const random = seededRandom(s.seed);
  const bagging = s.baggingFreq > 0 && s.baggingFraction < 1;
  const bag = bagging ? new Int32Array(nt) : null;
  let bagCount = nt;
  const usable = new Uint8Array(f).fill(1);
  const featureCount = Math.max(1, Math.round(f * s.featureFraction));
  const featureOrder = Int32Array.from({ length: f }, (_, j) => j);

  const prob = binary ? new Float64Array(nt) : null;
  /** σ(score) afresh (the per-leaf updates of addTree drift by rounding, ~1e-16 a round). */
  const exactProb = () => {
    if (prob) for (let i = 0; i < nt; i++) prob[i] = 1 / (1 + Math.exp(-score[i]!));
  };
  const gradients = () => {
    if (prob) {
      for (let i = 0; i < nt; i++) {
        const p = prob[i]!;
        const yi = yt[i]!;
        const w = yi > 0.5 ? wPos : wNeg;
        g[i] = (p - yi) * w;
        h[i] = p * (1 - p) * w;
      }
    } else {
      for (let i = 0; i < nt; i++) {
        g[i] = score[i]! - yt[i]!;
        h[i] = 1;
      }
    }
  };
  const trainLossNow = () => {
    let sum = 0;
    for (let i = 0; i < nt; i++) sum += binary ? logloss(yt[i]!, score[i]!) : (score[i]! - yt[i]!) ** 2;
    return sum / nt;
  };

  const trees: GbdtTree[] = [];
  const reportEvery = Math.max(1, Math.floor(s.rounds / 100));
  const lossEvery = Math.max(1, Math.floor(s.rounds / 20));
  let bestMetric = NaN;
  let bestIteration = 0;
  let stoppedEarly = false;
  let trainLoss = NaN;
  let validMetric: number | undefined;
  exactProb();
  for (let it = 0; it < s.rounds && !oneClass; it++) {
    if (it % 64 === 0) exactProb();
    gradients();
    if (it > 0 && it % reportEvery === 0) {
      if (it % lossEvery === 0 || Number.isNaN(trainLoss)) trainLoss = trainLossNow();
      onRound?.({ round: it, rounds: s.rounds, trainLoss, validMetric });
    }
    if (bag && it % s.baggingFreq === 0) {
      bagCount = 0;
      for (let i = 0; i < nt; i++) if (random() < s.baggingFraction) bag[bagCount++] = i;
    }
    if (featureCount < f) {
      for (let k = 0; k < featureCount; k++) {
        const r = k + Math.floor(random() * (f - k));
        [featureOrder[k], featureOrder[r]] = [featureOrder[r]!, featureOrder[k]!];
      }
      usable.fill(0);
      for (let k = 0; k < featureCount; k++) usable[featureOrder[k]!] = 1;
    }
    const rootHist = grower.rootHistogram(g, h, bag, bagCount);
    const tree = grower.grow(g, h, bag, bagCount, rootHist, usable);
    if (tree.left.length === 1) break; // no split gains anything: later rounds would not either
    trees.push(tree);
    if (grower.segments) addTreeByLeaves(tree, grower.segments, score, prob);
    else addTree(tree, bins, f, nt, score, prob);
    if (validBins) {
      addTree(tree, validBins, f, validRows, validScore, null);
      validMetric = metricOf(s.metric, yv, validScore);
      const better = Number.isNaN(bestMetric) || (s.metric === 'auc' ? validMetric > bestMetric : validMetric < bestMetric);
      if (better) {
        bestMetric = validMetric;
        bestIteration = trees.length;
      } else if (trees.length - bestIteration >= s.earlyStoppingRounds) {
        stoppedEarly = true;
        break;
      }
    }
  }
  const roundsRun = trees.length;
  // Early stopping keeps the best round's trees: take the later ones out of the scores too.
  if (early && roundsRun > 0) for (const tree of trees.splice(bestIteration)) addTree(tree, bins, f, nt, score, null, -1);
  else bestIteration = roundsRun;
  trainLoss = trainLossNow();
  onRound?.({ round: roundsRun, rounds: s.rounds, trainLoss, validMetric });
  return {
    model: { objective: s.objective, numFeatures: f, initScore, trees },
    roundsRun,
    bestIteration,
    stoppedEarly,
    trainLoss,
    trainRows: nt,
    validRows,
    gapRows,
    validMetric: early ? bestMetric : undefined,
    bins: binnings.map((b) => b.numBins),
  };
}
