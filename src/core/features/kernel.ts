/**
 * A kernel is the state machine behind one output column: it is fed the inputs of one row
 * at a time, oldest first, and answers that row's value. Batch runs feed it a whole column;
 * the online stream keeps the same object alive and feeds it one new candle at a time, so
 * both paths perform the same arithmetic in the same order and give identical numbers.
 */
export interface Kernel {
  /** The next row's inputs (in the kernel's input order); returns the row's output (NaN = none). */
  next(inputs: ArrayLike<number>): number;
  /** Fast path for one-input kernels; must give exactly what `next([x])` gives. */
  next1?(x: number): number;
  /**
   * Batch fast path for one-input kernels: exactly `out[i] = next1(x[i])` for every row, written
   * in the concrete class so that the per-row call is monomorphic and inlined.
   */
  fill?(x: Float64Array, out: Float64Array): void;
}

export type KernelFactory = () => Kernel;

/** Base class of the one-input kernels: `next` delegates to `next1`. */
export abstract class UnaryKernel implements Kernel {
  abstract next1(x: number): number;
  next(inputs: ArrayLike<number>): number {
    return this.next1(inputs[0]!);
  }
}

/** Feeds whole columns through a kernel and returns its output column. */
export function runKernel(kernel: Kernel, inputs: Float64Array[], n = inputs[0]?.length ?? 0): Float64Array {
  const out = new Float64Array(n);
  if (inputs.length === 1 && kernel.fill) {
    kernel.fill(inputs[0]!, out);
    return out;
  }
  if (inputs.length === 1 && kernel.next1) {
    const x = inputs[0]!;
    for (let i = 0; i < n; i++) out[i] = kernel.next1(x[i]!);
    return out;
  }
  const row = new Float64Array(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < inputs.length; q++) row[q] = inputs[q]![i]!;
    out[i] = kernel.next(row);
  }
  return out;
}
