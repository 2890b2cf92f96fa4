// denseDropoutForward on the native provider: dropout's decisions are drawn first and applied in
// the product's epilogue, so the layer's output is written once and no mask is kept. Its output
// must be the addon's own denseForward followed by the TypeScript dropout, bit for bit (the same
// product, the same draws), on every path a product can take (small, matrix-vector, blocked on two
// threads, one panel at a time on one, sparse, k = 0), every ISA, both dtypes, each activation,
// with and without a bias, and a scale that is a float (rate 0.5) and one that is not (0.3).
import { describe, expect, it } from 'vitest';
import {
  type Activation,
  denseDropoutForward,
  dropoutForwardReference,
  type FloatArray,
} from '../../src/kernels/index.js';
import { createNativeProvider } from '../../src/kernels/native/provider.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from '../helpers/kernels.js';
import { nativeWithIsas } from './load.js';

const { addon, isas, defaultIsa } = nativeWithIsas();
const native = addon ? kernelsOf(createNativeProvider(addon)) : undefined;

function random(dtype: 'float32' | 'float64', len: number, rng: Generator, density = 1): FloatArray {
  const a = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = rng.uniform(0, 1) < density ? rng.normal() : 0;
  return a;
}

/** An array of 9s (the kernels must overwrite every element). */
const filled = (dtype: 'float32' | 'float64', len: number): FloatArray =>
  (dtype === 'float64' ? new Float64Array(len) : new Float32Array(len)).fill(9);

// [m, n, k, share of nonzeros in x, the path]. 256 x 1024 x 256 and 1100 x 257 x 40 also cross the
// length (131072) from which the draws run in jumped lanes on the pool.
const shapes = [
  [5, 7, 3, 1, 'small'],
  [1, 300, 40, 1, 'matrix-vector (m = 1)'],
  [200, 1, 64, 1, 'matrix-vector (n = 1)'],
  [97, 131, 300, 1, 'blocked / one panel at a time'],
  [256, 1024, 256, 1, 'blocked, the wide layer'],
  [97, 300, 1100, 0.25, 'sparse'],
  [1100, 257, 40, 0.2, 'sparse, two row chunks'],
  [3, 4, 0, 1, 'k = 0'],
] as const;
const activations: Activation[] = ['relu', 'sigmoid', 'tanh', 'linear'];

describe.skipIf(!addon)('native denseDropoutForward: denseForward then dropout, bit for bit', () => {
  for (const isa of isas) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${isa} ${dtype}: every path, activation and bias, rates 0.5 and 0.3, 1 and 2 threads`, () => {
        expect(addon!.setIsa(isa)).toBe(true);
        shapes.forEach(([m, n, k, density, path], si) => {
          const rng = new Generator(100 + si);
          const x = random(dtype, m * k, rng, density);
          const w = random(dtype, k * n, rng);
          const b = random(dtype, n, rng);
          for (const act of activations) {
            for (const bias of [b, null]) {
              for (const rate of [0.5, 0.3]) {
                for (const threads of [1, 2]) {
                  addon!.setThreads(threads);
                  const what = `${path} ${m}x${n}x${k} ${act}${bias ? ' + bias' : ''} rate ${rate} threads ${threads}`;
                  const state = new Generator(7 * si + threads).getState();
                  const s1 = state.slice();
                  const s2 = state.slice();
                  const want = filled(dtype, m * n);
                  native!.denseForward(m, n, k, x, w, bias, act, want);
                  dropoutForwardReference(m * n, rate, s1, want, want, filled(dtype, m * n));
                  const sparseBefore = addon!.sparseProducts();
                  const got = filled(dtype, m * n);
                  native!.denseDropoutForward(m, n, k, x, w, bias, act, rate, s2, got);
                  if (density < 1) expect(addon!.sparseProducts() - sparseBefore, what).toBe(1);
                  for (let i = 0; i < m * n; i++) {
                    if (!Object.is(got[i], want[i]))
                      expect.fail(`${what}: [${i}] ${got[i]}, want ${want[i]}`);
                  }
                  expect(Array.from(s2), `${what}: state`).toEqual(Array.from(s1));
                }
              }
            }
          }
        });
        addon!.setIsa(defaultIsa);
      });
    }
  }

  it('drops about the rate, and a dropped ReLU unit is +0', () => {
    const [m, n, k] = [64, 300, 50];
    const rng = new Generator(5);
    const x = random('float32', m * k, rng);
    const w = random('float32', k * n, rng);
    const out = new Float32Array(m * n);
    native!.denseDropoutForward(m, n, k, x, w, null, 'linear', 0.3, new Generator(9).getState(), out);
    const dropped = out.filter((v) => v === 0).length / out.length;
    expect(Math.abs(dropped - 0.3)).toBeLessThan(0.01);
    native!.denseDropoutForward(m, n, k, x, w, null, 'relu', 0.5, new Generator(9).getState(), out);
    expect(out.every((v) => v > 0 || Object.is(v, 0))).toBe(true);
  });

  it('a call the fast entry refuses (mixed dtypes) runs the reference, drawing the same mask', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    const w = Float32Array.of(1, -1, 0.5, 2, 0.25, -3);
    const bias = Float64Array.of(0.5, -0.5);
    const s1 = new Generator(3).getState();
    const s2 = s1.slice();
    const got = new Float32Array(6);
    native!.denseDropoutForward(3, 2, 2, x, w, bias, 'relu', 0.5, s1, got);
    const want = new Float32Array(6);
    native!.denseForward(3, 2, 2, x, w, Float32Array.from(bias), 'relu', want);
    dropoutForwardReference(6, 0.5, s2, want, want, new Float32Array(6));
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Array.from(s1)).toEqual(Array.from(s2));
  });

  it('the fast entry refuses short arrays, a bad state or rate, and leaves the state alone', () => {
    // [status, bytes, transA, transB, m, n, k, alpha, beta, has bias, activation, cut, scale]
    const params = (m: number, cut = 2 ** 31, scale = 2) =>
      new Float64Array([1, 4, 0, 0, m, 4, 4, 1, 0, 0, 1, cut, scale]);
    const f = (n: number) => new Float32Array(n);
    const state = new Uint32Array([1, 2, 3, 4]);
    for (const [p, x, out, st] of [
      [params(4), f(16), f(15), state], // out one short
      [params(4), f(15), f(16), state], // x one short
      [params(4), f(16), f(16), new Uint32Array(3)], // a state of 3 words
      [params(-1), f(16), f(16), state], // a negative size
      [params(4, 2 ** 32), f(16), f(16), state], // rate 1
      [params(4, 2 ** 31, 0.5), f(16), f(16), state], // a scale below 1
    ] as const) {
      addon!.denseDropoutForwardFast(p, x, f(16), out, out, st);
      expect(p[0]).toBe(1);
    }
    expect(Array.from(state)).toEqual([1, 2, 3, 4]);
  });

  it('the dispatcher checks the rate and the state', () => {
    const f = (n: number) => new Float32Array(n);
    expect(() => denseDropoutForward(2, 2, 2, f(4), f(4), null, 'relu', 1, new Uint32Array(4), f(4))).toThrow(
      /denseDropoutForward: rate must be in \[0, 1\), got 1/,
    );
    expect(() =>
      denseDropoutForward(2, 2, 2, f(4), f(4), null, 'relu', 0.5, new Uint32Array(2), f(4)),
    ).toThrow(/state must be/);
    expect(() =>
      denseDropoutForward(2, 2, 2, f(4), f(3), null, 'relu', 0.5, new Uint32Array(4), f(4)),
    ).toThrow(/w has 3 elements/);
  });
});
