import { afterAll, expect } from 'vitest';
import { type Dtype, type FloatArray, loadNativeAddon, type NativeAddon } from '../../src/kernels/index.js';
import { describeCase, type GemmCase, parityInputs } from '../helpers/gemm.js';

/** The addon, or the reason it is unavailable (tests then skip with that reason printed). */
export function tryNative(): { addon: NativeAddon | undefined; reason: string } {
  try {
    return { addon: loadNativeAddon(), reason: '' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    console.warn(`skipping native tests: ${reason}`);
    return { addon: undefined, reason };
  }
}

/**
 * The addon (or undefined), the instruction sets this CPU runs (widest first) and the defaults;
 * after the file's tests the addon goes back to its default ISA and thread count.
 */
export function nativeWithIsas(): {
  addon: NativeAddon | undefined;
  isas: string[];
  defaultIsa: string;
  defaultThreads: number;
} {
  const { addon } = tryNative();
  const defaultThreads = addon?.getThreads() ?? 1;
  const isas = addon ? ['avx512', 'avx2', 'vec128'].filter((isa) => addon.setIsa(isa)) : [];
  const defaultIsa = isas[0];
  afterAll(() => {
    if (!addon) return;
    addon.setIsa(defaultIsa);
    addon.setThreads(defaultThreads);
  });
  return { addon, isas, defaultIsa, defaultThreads };
}

/**
 * Runs one gemm case on the addon at each thread count: checked against float64, and the thread
 * counts must agree bit for bit. densityA < 1 zeroes that share of A (see parityInputs).
 */
export function checkNativeGemm(
  addon: NativeAddon,
  dtype: Dtype,
  c: GemmCase,
  seed: number,
  threads: number[],
  densityA = 1,
): void {
  const { a, b, c0, ref, tol } = parityInputs(dtype, c, seed, densityA);
  const what = `${dtype} ${describeCase(c)}${densityA < 1 ? ` density ${densityA}` : ''}`;
  let first: FloatArray | undefined;
  for (const t of threads) {
    addon.setThreads(t);
    const out = dtype === 'float64' ? Float64Array.from(c0) : Float32Array.from(c0);
    addon.gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, out);
    for (let i = 0; i < ref.length; i++) {
      const err = Math.abs(out[i] - ref[i]);
      if (!(err <= tol)) expect.fail(`${what} threads=${t}: |error| ${err} at ${i} > ${tol}`);
    }
    if (first === undefined) first = out;
    else if (!Buffer.from(out.buffer).equals(Buffer.from(first.buffer))) {
      expect.fail(`${what}: ${t} threads differ bitwise from ${threads[0]}`);
    }
  }
}
