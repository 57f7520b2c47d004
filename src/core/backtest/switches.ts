/**
 * The original's trade state machine (§6.2), reduced to where it switches side.
 *
 * It starts waiting for a buy. A buy signal while waiting for a buy switches to waiting for
 * a sell; a sell signal while waiting for a sell switches back. Rows whose price is 0 or NaN
 * are skipped. The result lists the row indices of the switches in order, so even positions
 * are buys and odd positions are sells: a long trade is (buy k, sell k), a short trade is
 * (sell k, buy k+1).
 */
export function signalSwitches(price: Float64Array, buy: ArrayLike<number>, sell: ArrayLike<number>): Int32Array {
  const n = price.length;
  let out = new Int32Array(64);
  let count = 0;
  let waitingForBuy = true;
  for (let i = 0; i < n; i++) {
    const p = price[i]!;
    if (!(p === p) || p === 0) continue;
    const hit = waitingForBuy ? buy[i]! : sell[i]!;
    // A missing value (NaN) is no signal; any other non-zero value is one.
    if (hit !== 0 && hit === hit) {
      if (count === out.length) {
        const grown = new Int32Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[count++] = i;
      waitingForBuy = !waitingForBuy;
    }
  }
  return out.slice(0, count);
}
