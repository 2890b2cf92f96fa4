import { declareKernel, flag, matrix, scalar, size } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/**
 * General matrix multiply on row-major, contiguous arrays:
 *
 *     C = alpha * op(A) * op(B) + beta * C
 *
 * where op(A) is m x k (A is stored k x m when transA), op(B) is k x n (B is stored n x k when
 * transB) and C is m x n. As in BLAS, beta = 0 overwrites C without reading it, so NaN in a fresh
 * output buffer does not leak into the result. a, b and c share one element type.
 *
 * This is the reference: a triple loop that accumulates every dot product in a JavaScript number
 * (float64), whatever the storage type. Slow on purpose; every other gemm is tested against it.
 */
export function naiveGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
): void {
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
}

export type GemmFn = typeof naiveGemm;

export const gemmKernel = declareKernel({
  name: 'gemm',
  args: [
    flag('transA'),
    flag('transB'),
    size('m'),
    size('n'),
    size('k'),
    scalar('alpha'),
    matrix('a', 'm', 'k', 'transA'),
    matrix('b', 'k', 'n', 'transB'),
    scalar('beta'),
    matrix('c', 'm', 'n'),
  ],
  dtypeFrom: 'c',
  work: { sizes: ['m', 'n', 'k'], scale: 2 },
  reference: naiveGemm,
});

/** C = alpha * op(A) op(B) + beta * C on the chosen provider. */
export const gemm = dispatcher(gemmKernel);

/**
 * C = beta * C over the first len elements: what a product with nothing to add (k = 0, alpha = 0)
 * leaves. beta = 0 writes zeros without reading C, so NaN in a fresh buffer stays out.
 */
export function scaleC(c: FloatArray, len: number, beta: number): void {
  if (beta === 1) return;
  if (beta === 0) c.fill(0, 0, len);
  else for (let i = 0; i < len; i++) c[i] *= beta;
}
