import { type Dtype, type FloatArray, type KernelProvider, naiveGemm } from '../../src/kernels/index.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from './kernels.js';

export interface GemmCase {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
}

/** Allowed |error| for a product of uniform(-1, 1) inputs: grows with the inner dimension. */
export function gemmTolerance(dtype: Dtype, k: number): number {
  return dtype === 'float64' ? 1e-12 * (k + 1) : 2e-6 * (k + 1);
}

function randomArray(dtype: Dtype, len: number, rng: Generator): FloatArray {
  const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) arr[i] = rng.uniform(-1, 1);
  return arr;
}

/**
 * How many random shapes the parity suite gives a provider. gpu.js compiles one kernel per shape,
 * and its software modes run at well under 1 GFLOPS, so the gpu provider gets fewer random shapes
 * (same tolerance); so does vulkan, whose own suite (test/kernels/vulkan-parity.test.ts) runs
 * more shapes on both memory paths and both GEMM variants. TENSORGRAD_PARITY_CASES_<NAME> (name
 * upper-cased, '-' as '_') overrides.
 */
export const parityRandomCounts: Record<string, number> = { gpu: 10, vulkan: 10 };

export function parityRandomCount(providerName: string, fallback = 40): number {
  const env = process.env[`TENSORGRAD_PARITY_CASES_${providerName.toUpperCase().replace(/-/g, '_')}`];
  if (env !== undefined && env !== '') {
    const v = Number(env);
    if (!Number.isInteger(v) || v < 0) throw new Error(`parity case count for ${providerName} is '${env}'`);
    return v;
  }
  return parityRandomCounts[providerName] ?? fallback;
}

/** Fixed shapes every provider must get right, then random ones up to 300. */
export function gemmCases(seed: number, randomCount: number): GemmCase[] {
  const rng = new Generator(seed);
  const cases: GemmCase[] = [];
  const fixed: Array<[number, number, number]> = [
    [1, 1, 1],
    [1, 1, 0],
    [3, 5, 0],
    [0, 4, 3],
    [4, 0, 3],
    [7, 9, 1],
    [1, 64, 10],
    [32, 64, 10],
    [33, 17, 129],
    [5, 300, 7],
    [300, 3, 257],
    [64, 64, 64],
    // Past one column block (512) and one depth block (128) of the blocked kernel.
    [9, 600, 130],
  ];
  for (const [m, n, k] of fixed) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) cases.push({ transA, transB, m, n, k, alpha: 1, beta: 0 });
    }
  }
  for (let i = 0; i < randomCount; i++) {
    cases.push({
      transA: rng.random() < 0.5,
      transB: rng.random() < 0.5,
      m: 1 + rng.int(300),
      n: 1 + rng.int(300),
      k: 1 + rng.int(300),
      alpha: [1, -0.5, 2][rng.int(3)],
      beta: [0, 1, 0.25][rng.int(3)],
    });
  }
  return cases;
}

export interface ParityInputs {
  a: FloatArray;
  b: FloatArray;
  /** C before the call (beta reads it). */
  c0: FloatArray;
  /** The float64 reference result. */
  ref: Float64Array;
  /** The |error| every element must stay within. */
  tol: number;
}

/** Seeded random operands for one case and the float64 reference result. */
export function parityInputs(dtype: Dtype, c: GemmCase, seed: number, densityA = 1): ParityInputs {
  const rng = new Generator(seed);
  const a = randomArray(dtype, c.m * c.k, rng);
  // A mostly-zero A (activations after ReLU and dropout): each element kept with this probability.
  if (densityA < 1) for (let i = 0; i < a.length; i++) if (rng.uniform(0, 1) >= densityA) a[i] = 0;
  const b = randomArray(dtype, c.k * c.n, rng);
  const c0 = randomArray(dtype, c.m * c.n, rng);
  const ref = Float64Array.from(c0);
  naiveGemm(
    c.transA,
    c.transB,
    c.m,
    c.n,
    c.k,
    c.alpha,
    Float64Array.from(a),
    Float64Array.from(b),
    c.beta,
    ref,
  );
  return { a, b, c0, ref, tol: gemmTolerance(dtype, c.k) * (1 + Math.abs(c.alpha)) };
}

/**
 * Runs one case on a provider and on the float64 reference; returns the worst |error| and the
 * tolerance it had to meet.
 */
export function runParityCase(
  provider: KernelProvider,
  dtype: Dtype,
  c: GemmCase,
  seed: number,
): { worst: number; tol: number; at: number } {
  const { a, b, c0, ref, tol } = parityInputs(dtype, c, seed);
  const out = dtype === 'float64' ? Float64Array.from(c0) : Float32Array.from(c0);
  kernelsOf(provider).gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, out);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(out[i] - ref[i]);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  return { worst, tol, at };
}

export function describeCase(c: GemmCase): string {
  return `${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'} m=${c.m} n=${c.n} k=${c.k} alpha=${c.alpha} beta=${c.beta}`;
}
