/** Standard scaling as scikit-learn's StandardScaler: z = (x − mean) / std, population std, constant columns → 0. */
export interface Scaler {
  mean: number[];
  scale: number[];
}


/**
 * The scaler of the rows `rows` of feature columns `cols`, a column at a time: per column the mean
 * (summed in row order, divided by n), then the population std from the summed squared deviations
 * (two passes, which keeps precision on prices near 1e5).
 */
export function fitScalerColumns(cols: Float64Array[], rows: Int32Array): Scaler {
  const n = rows.length;
  const mean: number[] = [];
  const scale: number[] = [];
  for (const c of cols) {
    let m = 0;
    for (let k = 0; k < n; k++) m += c[rows[k]!]!;
    m /= n || 1;
    let ss = 0;
    for (let k = 0; k < n; k++) {
      const d = c[rows[k]!]! - m;
      ss += d * d;
    }
    const std = Math.sqrt(ss / (n || 1));
    mean.push(m);
    // scikit-learn leaves constant columns unscaled, so they become 0 after centring.
    scale.push(std > 10 * Number.EPSILON * Math.max(1, Math.abs(m)) ? std : 1);
  }
  return { mean, scale };
}

/** Scales rows in place. */
export function applyScaler(scaler: Scaler, X: Float64Array, f: number): Float64Array {
  const { mean, scale } = scaler;
  for (let i = 0; i < X.length; i += f) {
    for (let j = 0; j < f; j++) X[i + j] = (X[i + j]! - mean[j]!) / scale[j]!;
  }
  return X;
}
