/**
 * The histogram kernels of the GBDT: for rows of the row-major bin matrix, add each row's
 * gradient and hessian to the (gradient, hessian) pair of its bin, for every feature.
 *
 * This loop is nearly all of the training time. A kernel is generated per feature layout
 * with the feature loop unrolled and the bin offsets as constants, which V8 runs about twice
 * as fast as the same loop over features (measured on 394k rows × 13 features). The generated
 * source contains only integer constants derived from the layout.
 */

/** Adds rows [0, n) to `hist`. */
export type HistogramOfAll = (bins: Uint8Array, g: Float32Array, h: Float32Array, n: number, hist: Float64Array) => void;
/** Adds rows rows[start…end) to `hist`. */
export type HistogramOfRows = (bins: Uint8Array, g: Float32Array, h: Float32Array, rows: Int32Array, start: number, end: number, hist: Float64Array) => void;

export interface HistogramKernels {
  all: HistogramOfAll;
  rows: HistogramOfRows;
}

/** Above this many features the plain loop is used (the unrolled source would be long). */
const MAX_UNROLLED = 256;

/** The same kernels as plain loops (for many features, and as the reference in tests). */
export function loopKernels(offsets: Int32Array): HistogramKernels {
  const f = offsets.length;
  const add = (bins: Uint8Array, base: number, gi: number, hi: number, hist: Float64Array) => {
    for (let j = 0; j < f; j++) {
      const k = (offsets[j]! + bins[base + j]!) << 1;
      hist[k] += gi;
      hist[k + 1] += hi;
    }
  };
  return {
    all(bins, g, h, n, hist) {
      for (let i = 0; i < n; i++) add(bins, i * f, g[i]!, h[i]!, hist);
    },
    rows(bins, g, h, rows, start, end, hist) {
      for (let k = start; k < end; k++) {
        const i = rows[k]!;
        add(bins, i * f, g[i]!, h[i]!, hist);
      }
    },
  };
}

function unrolledBody(offsets: Int32Array): string {
  const lines = ['const gi = g[i], hi = h[i], base = i * F;', 'let k;'];
  offsets.forEach((o, j) => {
    lines.push(`k = (${o} + bins[base + ${j}]) << 1; hist[k] += gi; hist[k + 1] += hi;`);
  });
  return lines.join('\n');
}

const cache = new Map<string, HistogramKernels>();

/** Kernels for features whose bins start at `offsets[j]` in the histogram (in bins, not array slots). */
export function histogramKernels(offsets: Int32Array): HistogramKernels {
  for (const o of offsets) if (!Number.isInteger(o) || o < 0) throw new Error('histogram offsets must be non-negative integers');
  const key = offsets.join(',');
  let kernels = cache.get(key);
  if (kernels) return kernels;
  if (offsets.length > MAX_UNROLLED) kernels = loopKernels(offsets);
  else {
    const F = offsets.length;
    const body = unrolledBody(offsets);
    const all = new Function('bins', 'g', 'h', 'n', 'hist', `const F = ${F};\nfor (let i = 0; i < n; i++) {\n${body}\n}`) as HistogramOfAll;
    const rows = new Function('bins', 'g', 'h', 'rows', 'start', 'end', 'hist', `const F = ${F};\nfor (let r = start; r < end; r++) {\nconst i = rows[r];\n${body}\n}`) as HistogramOfRows;
    kernels = { all, rows };
  }
  cache.set(key, kernels);
  return kernels;
}
