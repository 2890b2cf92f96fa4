import { type DenseForwardFn, denseForwardKernel } from '../declarations/dense-forward.js';
import { type GemmFn, gemmKernel, scaleC } from '../declarations/gemm.js';
import { recurrentKernelsOn } from '../declarations/recurrent.js';
import { implement } from '../kernel.js';
import type { KernelProvider } from '../table.js';
import type { FloatArray } from '../types.js';
import { applyBiasActivation } from './activations.js';

// Blocking sizes: a KC x NC panel of B (128 x 512 float32 = 256 KiB) stays in L2 while every row
// block of A streams past it; four rows of C (4 x 512) stay in L1.
const KC = 128;
const NC = 512;

let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

function scratchLike(c: FloatArray, size: number): FloatArray {
  if (c instanceof Float64Array) {
    if (scratch64.length < size) scratch64 = new Float64Array(size);
    return scratch64;
  }
  if (scratch32.length < size) scratch32 = new Float32Array(size);
  return scratch32;
}

/**
 * Cache-blocked gemm in plain TypeScript. For each (depth, column) block, op(B) is copied into a
 * contiguous panel (that copy is where transB is absorbed), then rows of C are updated four at a
 * time from that panel: each loaded element of B feeds four multiply-adds.
 */
export const blockedGemm: GemmFn = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
  scaleC(c, m * n, beta);
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  const panel = scratchLike(c, KC * NC);
  const lda = transA ? m : k;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nb = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kb = Math.min(KC, k - p0);
      // Pack op(B)[p0:p0+kb, j0:j0+nb] row-major into a panel (row stride nb). When B is not
      // transposed and fits one column block its rows are already contiguous: read it in place.
      const inPlace = !transB && nb === n;
      const src = inPlace ? b : panel;
      const srcBase = inPlace ? p0 * n : 0;
      if (transB) {
        for (let p = 0; p < kb; p++) {
          const row = p * nb;
          for (let j = 0; j < nb; j++) panel[row + j] = b[(j0 + j) * k + p0 + p];
        }
      } else if (!inPlace) {
        for (let p = 0; p < kb; p++) {
          const from = (p0 + p) * n + j0;
          const row = p * nb;
          for (let j = 0; j < nb; j++) panel[row + j] = b[from + j];
        }
      }
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = i * n + j0;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        for (let p = 0; p < kb; p++) {
          const pp = p0 + p;
          let a0: number;
          let a1: number;
          let a2: number;
          let a3: number;
          if (transA) {
            const base = pp * lda + i;
            a0 = a[base];
            a1 = a[base + 1];
            a2 = a[base + 2];
            a3 = a[base + 3];
          } else {
            const base = i * lda + pp;
            a0 = a[base];
            a1 = a[base + lda];
            a2 = a[base + 2 * lda];
            a3 = a[base + 3 * lda];
          }
          a0 *= alpha;
          a1 *= alpha;
          a2 *= alpha;
          a3 *= alpha;
          const row = srcBase + p * nb;
          for (let j = 0; j < nb; j++) {
            const bv = src[row + j];
            c[c0 + j] += a0 * bv;
            c[c1 + j] += a1 * bv;
            c[c2 + j] += a2 * bv;
            c[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = i * n + j0;
        for (let p = 0; p < kb; p++) {
          const pp = p0 + p;
          const a0 = alpha * (transA ? a[pp * lda + i] : a[i * lda + pp]);
          const row = srcBase + p * nb;
          for (let j = 0; j < nb; j++) c[c0 + j] += a0 * src[row + j];
        }
      }
    }
  }
};

/** The fused dense forward on the blocked gemm: the product, then the TypeScript epilogue. */
export const blockedDenseForward: DenseForwardFn = (m, n, k, x, w, bias, activation, out) => {
  blockedGemm(false, false, m, n, k, 1, x, w, 0, out);
  applyBiasActivation(m, n, bias, activation, out);
};

export const blockedProvider: KernelProvider = {
  name: 'js',
  dtypes: ['float32', 'float64'],
  kernels: [
    implement(gemmKernel, blockedGemm),
    implement(denseForwardKernel, blockedDenseForward),
    ...recurrentKernelsOn(blockedGemm),
  ],
  describe: () => `TypeScript cache-blocked gemm (KC=${KC}, NC=${NC}, 4-row register block)`,
};
