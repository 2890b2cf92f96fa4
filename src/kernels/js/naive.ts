import type { FloatArray, GemmFn, KernelProvider } from '../types.js';

/**
 * The reference gemm: a triple loop that accumulates every dot product in a JavaScript number
 * (float64), whatever the storage type. Slow on purpose; every other kernel is tested against it.
 */
export const naiveGemm: GemmFn = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        acc += av * bv;
      }
      const idx = i * n + j;
      c[idx] = beta === 0 ? alpha * acc : alpha * acc + beta * c[idx];
    }
  }
};

export const naiveProvider: KernelProvider = {
  name: 'js-naive',
  dtypes: ['float32', 'float64'],
  gemm: naiveGemm,
  describe: () => 'TypeScript reference triple loop (float64 accumulation)',
};

/** Convenience for tests and gradcheck: op(A) op(B) in float64, returned fresh. */
export function referenceGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
): Float64Array {
  const out = new Float64Array(m * n);
  naiveGemm(transA, transB, m, n, k, 1, Float64Array.from(a), Float64Array.from(b), 0, out);
  return out;
}
