/** Standard scaling as scikit-learn's StandardScaler: z = (x − mean) / std, population std, constant columns → 0. */
export interface Scaler {
  mean: number[];
  scale: number[];
}

export function fitScaler(X: Float64Array, n: number, f: number): Scaler {
  const mean = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j]! += X[i * f + j]!;
  for (let j = 0; j < f; j++) mean[j]! /= n || 1;
  // Two passes: the deviations are summed after the mean is known, which keeps precision on prices near 1e5.
  const ss = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const d = X[i * f + j]! - mean[j]!;
      ss[j]! += d * d;
    }
  }
  const scale: number[] = [];
  for (let j = 0; j < f; j++) {
    const std = Math.sqrt(ss[j]! / (n || 1));
    // scikit-learn leaves constant columns unscaled, so they become 0 after centring.
    scale.push(std > 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j]!)) ? std : 1);
  }
  return { mean: [...mean], scale };
}

/** Scales rows in place. */
export function applyScaler(scaler: Scaler, X: Float64Array, f: number): Float64Array {
  const { mean, scale } = scaler;
  for (let i = 0; i < X.length; i += f) {
    for (let j = 0; j < f; j++) X[i + j] = (X[i + j]! - mean[j]!) / scale[j]!;
  }
  return X;
}
