import { describe, expect, it } from 'vitest';
import type { Dtype } from '../../src/kernels/types.js';
import { type GemmCase, gemmCases, parityInputs } from '../helpers/gemm.js';
import { checkNativeGemm, nativeWithIsas } from './load.js';

const { addon, isas, defaultIsa, defaultThreads } = nativeWithIsas();

/** Runs one case at each thread count; checks against float64 and that thread count changes nothing. */
function check(dtype: Dtype, c: GemmCase, seed: number, threads: number[]): void {
  checkNativeGemm(addon!, dtype, c, seed, threads);
}

const small = gemmCases(4321, 30);
// Shapes that cross the no-packing threshold, register-tile edges and cache blocks (k > KC), and
// matrix-vector products.
const blocked: GemmCase[] = [];
for (const [m, n, k] of [
  [13, 33, 300],
  [97, 65, 129],
  [301, 47, 530],
  [50, 700, 40],
  [4, 2000, 70],
  // shallow products with a wide C (over 256 KB), unpacked, in bands of rows across every column:
  // whole 4-vector chunks and a partial last one, rows left over past the last band of 4
  [257, 1023, 1],
  [1001, 70, 3],
  [513, 130, 2],
  // matrix-vector products (their own path): n = 1, m = 1, both, and edges of the vector width
  [300, 1, 530],
  [257, 1, 33],
  [1, 700, 300],
  [1, 67, 5],
  [1, 1, 1000],
  [129, 1, 1],
] as const) {
  for (const transA of [false, true])
    for (const transB of [false, true]) blocked.push({ transA, transB, m, n, k, alpha: -0.5, beta: 0.25 });
}
// Large enough to run on the thread pool, with k past the deepest cache block (fp32 kc = 1024 on
// AVX2, 512 on AVX-512).
const [lm, ln, lk] = [301, 1031, 1100];
const large: GemmCase[] = [];
for (const transA of [false, true])
  for (const transB of [false, true])
    large.push({ transA, transB, m: lm, n: ln, k: lk, alpha: 1, beta: transA ? 1 : 0 });

describe.skipIf(!addon)('native gemm parity', () => {
  for (const isa of isas) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${isa} ${dtype}: ${small.length + blocked.length} shapes, 1 and 2 threads`, () => {
        expect(addon!.setIsa(isa)).toBe(true);
        [...small, ...blocked].forEach((c, i) => {
          check(dtype, c, 7 + i, [1, 2]);
        });
      });
    }
  }
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: ${lm}x${ln}x${lk}, every transpose, 1 and ${Math.max(2, defaultThreads)} threads`, () => {
      addon!.setIsa(defaultIsa);
      large.forEach((c, i) => {
        check(dtype, c, 100 + i, [1, Math.max(2, defaultThreads)]);
      });
    });
  }
});

describe.skipIf(!addon)('native gemm determinism', () => {
  it('the same inputs and thread count give bit-identical output on every run', () => {
    addon!.setIsa(defaultIsa);
    addon!.setThreads(Math.max(2, defaultThreads));
    const [m, n, k] = [257, 385, 611];
    const { a, b } = parityInputs('float32', { transA: false, transB: true, m, n, k, alpha: 1, beta: 0 }, 5);
    const runs = [0, 1, 2, 3].map(() => {
      const out = new Float32Array(m * n);
      addon!.gemm(false, true, m, n, k, 1, a, b, 0, out);
      return Buffer.from(out.buffer);
    });
    for (const r of runs) expect(r.equals(runs[0])).toBe(true);
  });
  it('beta = 0 never reads C: NaN in the output buffer stays out', () => {
    for (const [m, n, k] of [
      [3, 4, 5],
      [100, 90, 80],
    ]) {
      const out = new Float32Array(m * n).fill(Number.NaN);
      addon!.gemm(
        false,
        false,
        m,
        n,
        k,
        1,
        new Float32Array(m * k).fill(1),
        new Float32Array(k * n).fill(1),
        0,
        out,
      );
      expect(out.every((v) => v === k)).toBe(true);
    }
  });
  it('k = 0 or alpha = 0 gives beta * C', () => {
    const out = new Float64Array([1, 2, 3, 4]);
    addon!.gemm(false, false, 2, 2, 0, 1, new Float64Array(0), new Float64Array(0), 0.5, out);
    expect([...out]).toEqual([0.5, 1, 1.5, 2]);
    addon!.gemm(false, false, 2, 2, 1, 0, new Float64Array(2), new Float64Array(2), 2, out);
    expect([...out]).toEqual([1, 2, 3, 4]);
  });
});
