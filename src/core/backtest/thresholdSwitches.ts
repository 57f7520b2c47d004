/**
 * The grid search's fast path: the switches of `signalSwitches` computed straight from the
 * score columns, without materialising the boolean buy/sell columns of `threshold_rule`
 * (buy = score ≥ buy threshold, sell = score ≤ sell threshold) or `threshold_rule2` (both
 * scores must pass their thresholds). A comparison with NaN is false, as in the original.
 */
export interface ThresholdRule {
  buy: number;
  sell: number;
  /** Thresholds of the second score (threshold_rule2); ignored when there is no second score. */
  buy2?: number;
  sell2?: number;
}

export function thresholdSwitches(
  price: Float64Array,
  score: Float64Array,
  rule: ThresholdRule,
  score2?: Float64Array,
  out: Int32Array = new Int32Array(256),
): Int32Array {
  const n = price.length;
  let buf = out;
  let count = 0;
  let waitingForBuy = true;
  const { buy, sell } = rule;
  if (score2) {
    const buy2 = rule.buy2 ?? NaN;
    const sell2 = rule.sell2 ?? NaN;
    for (let i = 0; i < n; i++) {
      const p = price[i]!;
      if (!(p === p) || p === 0) continue;
      const hit = waitingForBuy ? score[i]! >= buy && score2[i]! >= buy2 : score[i]! <= sell && score2[i]! <= sell2;
      if (!hit) continue;
      if (count === buf.length) buf = grow(buf);
      buf[count++] = i;
      waitingForBuy = !waitingForBuy;
    }
  } else {
    // Split into two tight scans: most rows are skipped while waiting for one side.
    let i = 0;
    while (i < n) {
      if (waitingForBuy) {
        while (i < n && !(score[i]! >= buy && price[i]! === price[i]! && price[i] !== 0)) i++;
      } else {
        while (i < n && !(score[i]! <= sell && price[i]! === price[i]! && price[i] !== 0)) i++;
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
