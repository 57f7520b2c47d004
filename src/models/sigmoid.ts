/** The logistic function σ(z) = 1 / (1 + e^−z), with one exp and no overflow. */
export function sigmoid(z: number): number {
  const e = Math.exp(-Math.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}
