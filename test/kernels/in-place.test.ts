import { describe, expect, it } from 'vitest';
import {
  availableProviders,
  dropoutBackward,
  reluBackward,
  reluDropoutBackward,
  sigmoidBackward,
} from '../../src/kernels/index.js';
import type { FloatArray } from '../../src/tensor.js';

// The backward's elementwise kernels may write their result over dy (out === dy): a dense layer's
// backward does so with the gradient the tape lends it. On every provider, through the dispatcher
// (so a provider without the fused kernel runs its composition), the in-place result must be the
// separate-array result bit for bit, at sizes on both sides of the native kernels' thread split.
const sizes = [1, 7, 33, 1000, 4099, (1 << 16) + 5];
// Rows x columns for the ReLU-dropout backward (its column sums split by column ranges).
const shapes = [
  [1, 1],
  [3, 17],
  [64, 33],
  [256, 1024],
  [129, 1001],
];

function filled(
  Ctor: typeof Float32Array | typeof Float64Array,
  len: number,
  seed: number,
  f: (u: number) => number,
) {
  const a = new Ctor(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = f(s / 2 ** 32);
  }
  return a;
}

function expectSameBits(got: FloatArray, want: FloatArray, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}]: in place ${got[i]}, separate ${want[i]}`);
  }
}

describe.each(availableProviders().map((p) => [p.name, p] as const))(
  'backward kernels in place: %s',
  (name, provider) => {
    for (const dtype of provider.dtypes) {
      const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
      // Gradients of both signs with a few zeros; outputs with zeros (dropped or ReLU-clipped units).
      const dyOf = (len: number, seed: number) =>
        filled(Ctor, len, seed, (u) => (u < 0.05 ? 0 : (u - 0.5) * 8));
      const yOf = (len: number, seed: number) => filled(Ctor, len, seed, (u) => (u < 0.6 ? 0 : u));
      const maskOf = (len: number, seed: number) => filled(Ctor, len, seed, (u) => (u < 0.5 ? 0 : 2));

      it(`${dtype}: reluBackward, sigmoidBackward and dropoutBackward with out === dy`, () => {
        for (const len of sizes) {
          const y = yOf(len, len);
          const mask = maskOf(len, len + 1);
          const cases: Array<[string, (dy: FloatArray, out: FloatArray) => void]> = [
            ['reluBackward', (dy, out) => reluBackward(len, dy, y, out, name)],
            ['sigmoidBackward', (dy, out) => sigmoidBackward(len, dy, y, out, name)],
            ['dropoutBackward', (dy, out) => dropoutBackward(len, dy, mask, out, name)],
          ];
          for (const [what, run] of cases) {
            const dy = dyOf(len, 3 * len);
            const separate = new Ctor(len);
            run(dy, separate);
            run(dy, dy);
            expectSameBits(dy, separate, `${what} ${len}`);
          }
        }
      });

      it(`${dtype}: reluDropoutBackward with out === dy, with and without the column sums`, () => {
        for (const [m, n] of shapes) {
          for (const withSums of [true, false]) {
            const y = yOf(m * n, m + n);
            const dy = dyOf(m * n, 7 * m + n);
            const separate = new Ctor(m * n);
            const sumsA = withSums ? new Ctor(n) : null;
            const sumsB = withSums ? new Ctor(n) : null;
            reluDropoutBackward(m, n, 0.3, dy, y, separate, sumsA, name);
            reluDropoutBackward(m, n, 0.3, dy, y, dy, sumsB, name);
            expectSameBits(dy, separate, `out ${m}x${n}`);
            if (sumsA && sumsB) expectSameBits(sumsB, sumsA, `sums ${m}x${n}`);
          }
        }
      });
    }
  },
);
