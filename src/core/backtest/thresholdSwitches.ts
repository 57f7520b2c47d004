/** The thresholds of threshold_rule / threshold_rule2 for one simulation. */
export interface ThresholdRule {
  buy: number;
  sell: number;
  /** Thresholds of the second score (threshold_rule2); ignored when there is no second score. */
  buy2?: number;
  sell2?: number;
}

/**
 * The grid search's fast path: the switches of `signalSwitches` computed straight from the
 * score columns, without materialising the boolean buy/sell columns of `threshold_rule`
 * (buy = score ≥ buy threshold, sell = score ≤ sell threshold) or `threshold_rule2` (both
 * scores must pass their thresholds). A comparison with NaN is false, as in the original.
 * `price` null means the scores are already NaN wherever the price is 0/NaN (see
 * maskScoresByPrice), which lets the scan skip the price test. May return a view of `out`.
 */
export function thresholdSwitches(
  price: Float64Array | null,
  score: Float64Array,
  rule: ThresholdRule,
  score2?: Float64Array,
  out: Int32Array = new Int32Array(256),
): Int32Array {
  if (price) {
    score = maskScoresByPrice(price, score);
    if (score2) score2 = maskScoresByPrice(price, score2);
  }
  const n = score.length;
  let buf = out;
  let count = 0;
  let waitingForBuy = true;
  const { buy, sell } = rule;
  if (score2) {
    const buy2 = rule.buy2 ?? NaN;
    const sell2 = rule.sell2 ?? NaN;
    const s2 = score2;
    let i = 0;
    while (i < n) {
      if (waitingForBuy) {
        while (i < n && !(score[i]! >= buy && s2[i]! >= buy2)) i++;
      } else {
        while (i < n && !(score[i]! <= sell && s2[i]! <= sell2)) i++;
      }
      if (i >= n) break;
      if (count === buf.length) buf = grow(buf);
      buf[count++] = i;
      waitingForBuy = !waitingForBuy;
      i++;
    }
  } else {
    // Two tight scans: most rows are passed over while waiting for one side.
    let i = 0;
    while (i < n) {
      if (waitingForBuy) {
        while (i < n && !(score[i]! >= buy)) i++;
      } else {
        while (i < n && !(score[i]! <= sell)) i++;
      }
      if (i >= n) break;
      if (count === buf.length) buf = grow(buf);
      buf[count++] = i;
      waitingForBuy = !waitingForBuy;
      i++;
    }
  }
  return buf.subarray(0, count);
}

function grow(buf: Int32Array): Int32Array {
  const grown = new Int32Array(buf.length * 2);
  grown.set(buf);
  return grown;
}

/** The score with NaN where the price is 0 or NaN (rows the simulation skips); the same array when there are none. */
export function maskScoresByPrice(price: Float64Array, score: Float64Array): Float64Array {
  let masked: Float64Array | null = null;
  for (let i = 0; i < price.length; i++) {
    const p = price[i]!;
    if (p === p && p !== 0) continue;
    masked ??= score.slice();
    masked[i] = NaN;
  }
  return masked ?? score;
}
