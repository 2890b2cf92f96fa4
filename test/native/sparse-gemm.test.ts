// The native GEMM's sparse path: a product whose op(A) has at most 35 % nonzeros (the activations
// after ReLU and dropout, and the gradients through them) multiplies only those nonzeros. Checked
// against the float64 reference on every ISA, dtype and transpose, at odd sizes that cross the
// sparse tile's column and depth blocks, on 1 and 2 threads (bit-identical), with the dense
// epilogue, and at the edges of its contract.
import { describe, expect, it } from 'vitest';
import type { Dtype } from '../../src/kernels/types.js';
import { type GemmCase, parityInputs } from '../helpers/gemm.js';
import { checkNativeGemm, nativeWithIsas } from './load.js';

const { addon, isas, defaultIsa } = nativeWithIsas();

/** Runs c on each thread count (checked as checkNativeGemm does); returns how many took the sparse path. */
function check(dtype: Dtype, c: GemmCase, seed: number, density: number, threads: number[]): number {
  const before = addon!.sparseProducts();
  checkNativeGemm(addon!, dtype, c, seed, threads, density);
  return addon!.sparseProducts() - before;
}

// m * n * k of at least 64 * 64 * 256 and n of at least two tiles (128 columns for AVX2 fp32, 256
// for AVX-512): the smallest products the path takes. k = 300 and 1100 cross the depth blocks of
// every ISA's sparse tile (64 to 256 deep), n = 257 and 300 end in a partial tile and a partial
// vector; 64 x 256 x 256 is whole blocks; m = 1100 is two chunks of rows.
const shapes = [
  [97, 257, 300],
  [64, 256, 256],
  [33, 300, 1100],
  [1100, 257, 40],
] as const;
const cases: GemmCase[] = [];
for (const [m, n, k] of shapes)
  for (const transA of [false, true])
    for (const transB of [false, true])
      for (const [alpha, beta] of [
        [1, 0],
        [-0.5, 0.25],
      ])
        cases.push({ transA, transB, m, n, k, alpha, beta });

describe.skipIf(!addon)('native gemm, sparse path', () => {
  for (const isa of isas) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${isa} ${dtype}: ${cases.length} products at density 0.1 and 0.25 match float64, 1 and 2 threads alike`, () => {
        expect(addon!.setIsa(isa)).toBe(true);
        cases.forEach((c, i) => {
          for (const density of [0.1, 0.25]) expect(check(dtype, c, 11 + i, density, [1, 2])).toBe(2);
        });
      });
    }
  }

  it('a dense op(A), a small product or a narrow C stays on the dense paths', () => {
    addon!.setIsa(defaultIsa);
    expect(
      check(
        'float32',
        { transA: false, transB: false, m: 97, n: 131, k: 300, alpha: 1, beta: 0 },
        3,
        0.6,
        [1],
      ),
    ).toBe(0);
    expect(
      check('float32', { transA: false, transB: true, m: 97, n: 131, k: 300, alpha: 1, beta: 0 }, 3, 1, [1]),
    ).toBe(0);
    expect(
      check(
        'float32',
        { transA: false, transB: false, m: 32, n: 64, k: 256, alpha: 1, beta: 0 },
        3,
        0.1,
        [1],
      ),
    ).toBe(0);
  });

  it('the dense epilogue (bias, then linear, ReLU, sigmoid or tanh) on a sparse input', () => {
    addon!.setIsa(defaultIsa);
    const [m, n, k] = [70, 300, 333];
    for (const dtype of ['float32', 'float64'] as const) {
      const { a, b, ref, tol } = parityInputs(
        dtype,
        { transA: false, transB: false, m, n, k, alpha: 1, beta: 0 },
        9,
        0.2,
      );
      const bias = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let j = 0; j < n; j++) bias[j] = Math.sin(j);
      const acts = [
        (v: number) => v,
        (v: number) => Math.max(0, v),
        (v: number) => 1 / (1 + Math.exp(-v)),
        Math.tanh,
      ];
      acts.forEach((f, code) => {
        const out = dtype === 'float64' ? new Float64Array(m * n) : new Float32Array(m * n);
        const before = addon!.sparseProducts();
        addon!.denseForward(m, n, k, a, b, bias, code, out);
        expect(addon!.sparseProducts() - before).toBe(1);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const want = f(ref[i * n + j] + bias[j]);
            const err = Math.abs(out[i * n + j] - want);
            if (!(err <= tol)) expect.fail(`${dtype} activation ${code}: |error| ${err} at (${i}, ${j})`);
          }
      });
    }
  });

  it('beta = 0 never reads C; an all-zero op(A) gives beta * C; NaN in op(A) reaches its row', () => {
    addon!.setIsa(defaultIsa);
    const [m, n, k] = [64, 256, 300];
    const a = new Float32Array(m * k);
    const b = new Float32Array(k * n).fill(1);
    for (let i = 0; i < m; i++) a[i * k + ((i * 7) % k)] = 2;
    const out = new Float32Array(m * n).fill(Number.NaN);
    const before = addon!.sparseProducts();
    addon!.gemm(false, false, m, n, k, 1, a, b, 0, out);
    expect(out.every((v) => v === 2)).toBe(true);
    const zero = new Float32Array(m * k);
    const c = new Float32Array(m * n).fill(3);
    addon!.gemm(false, false, m, n, k, 1, zero, b, 0.5, c);
    expect(c.every((v) => v === 1.5)).toBe(true);
    a[5 * k + 3] = Number.NaN;
    addon!.gemm(false, false, m, n, k, 1, a, b, 0, out);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) expect(Number.isNaN(out[i * n + j])).toBe(i === 5);
    expect(addon!.sparseProducts() - before).toBe(3);
  });

  it('zeros of op(A) are skipped, as reference BLAS skips zeros of B: 0 * inf in op(B) is not formed', () => {
    addon!.setIsa(defaultIsa);
    const [m, n, k] = [64, 256, 256];
    const a = new Float32Array(m * k);
    for (let i = 0; i < m; i++) a[i * k + 1] = 1; // column 0 of op(A) is all zero
    const b = new Float32Array(k * n).fill(0.5);
    b.fill(Number.POSITIVE_INFINITY, 0, n); // row 0 of op(B), met only by those zeros
    const out = new Float32Array(m * n);
    const before = addon!.sparseProducts();
    addon!.gemm(false, false, m, n, k, 1, a, b, 0, out);
    expect(addon!.sparseProducts() - before).toBe(1);
    expect(out.every((v) => v === 0.5)).toBe(true);
  });
});
