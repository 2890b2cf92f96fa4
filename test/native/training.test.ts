import { describe, expect, it } from 'vitest';
import {
  type AdamParams,
  adamUpdateReference,
  columnSumsReference,
  type FloatArray,
  reluBackwardReference,
} from '../../src/kernels/index.js';
import { createNativeProvider } from '../../src/kernels/native/provider.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from '../helpers/kernels.js';
import { tryNative } from './load.js';

// The native training-step kernels against the TypeScript references, which define what every
// provider computes. All three do their arithmetic in float64 like the TypeScript, so the results
// must be identical, float32 included.
const { addon } = tryNative();
const lengths = [1, 7, 1000, 20000];
const dtypes = ['float32', 'float64'] as const;

function make(dtype: 'float32' | 'float64', len: number, fill: () => number): FloatArray {
  const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) arr[i] = fill();
  return arr;
}
const copy = (a: FloatArray): FloatArray => a.slice();

describe.skipIf(!addon)('native training kernels match the TypeScript references', () => {
  const native = addon ? kernelsOf(createNativeProvider(addon)) : undefined;

  for (const dtype of dtypes) {
    for (const len of lengths) {
      it(`reluBackward ${dtype} len ${len}: exactly equal, through the provider and the checked entry`, () => {
        const rng = new Generator(len);
        const dy = make(dtype, len, () => rng.normal());
        // Zeros, negative zeros and NaN in y, and -0 in dy, exercise the comparison's edge cases.
        const y = make(dtype, len, () => {
          const u = rng.uniform();
          return u < 0.1 ? 0 : u < 0.15 ? -0 : u < 0.17 ? Number.NaN : rng.normal();
        });
        if (len > 3) dy[3] = -0;
        const want = make(dtype, len, () => 7);
        reluBackwardReference(len, dy, y, want);
        const got = make(dtype, len, () => 7);
        native!.reluBackward(len, dy, y, got);
        expect(Object.is(got[0], want[0])).toBe(true);
        expect(Array.from(got)).toEqual(Array.from(want));
        const checked = make(dtype, len, () => 7);
        addon!.reluBackward(len, dy, y, checked);
        expect(Array.from(checked)).toEqual(Array.from(want));
        // In place (out aliasing dy), as a caller may do.
        const inPlace = copy(dy);
        native!.reluBackward(len, inPlace, y, inPlace);
        expect(Array.from(inPlace)).toEqual(Array.from(want));
      });
    }

    const shapes: Array<[number, number]> = [
      [1, 1],
      [32, 1],
      [1, 7],
      [32, 64],
      [20, 1000],
      [32, 625], // 20000 elements
      [3, 700], // more columns than the stack accumulator holds
      [0, 5],
    ];
    for (const [m, n] of shapes) {
      it(`columnSums ${dtype} ${m}x${n}: equal to the float64-accumulating fallback`, () => {
        const rng = new Generator(m * 1000 + n);
        const x = make(dtype, m * n, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 6 - 3));
        const want = make(dtype, n, () => 7);
        columnSumsReference(m, n, x, want);
        const got = make(dtype, n, () => 7);
        native!.columnSums(m, n, x, got);
        expect(Array.from(got)).toEqual(Array.from(want));
        const checked = make(dtype, n, () => 7);
        addon!.columnSums(m, n, x, checked);
        expect(Array.from(checked)).toEqual(Array.from(want));
      });
    }

    for (const len of lengths) {
      it(`adamUpdate ${dtype} len ${len}: bit-for-bit over 5 steps`, () => {
        const rng = new Generator(len + 99);
        const param = make(dtype, len, () => rng.normal());
        const mom = make(dtype, len, () => 0);
        const vel = make(dtype, len, () => 0);
        const ts = [copy(param), copy(mom), copy(vel)];
        const nat = [copy(param), copy(mom), copy(vel)];
        for (let step = 1; step <= 5; step++) {
          const grad = make(dtype, len, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 8 - 4));
          if (len > 2) grad[2] = 0;
          const hp: AdamParams = { lr: 0.001 * step, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step };
          adamUpdateReference(len, ts[0], grad, ts[1], ts[2], hp);
          native!.adamUpdate(len, nat[0], grad, nat[1], nat[2], hp);
          for (let k = 0; k < 3; k++) expect(Array.from(nat[k])).toEqual(Array.from(ts[k]));
        }
      });
    }
  }

  it('adamUpdate through the checked entry with a precomputed step size', () => {
    const len = 7;
    const rng = new Generator(5);
    const grad = make('float32', len, () => rng.normal());
    const a = [make('float32', len, () => rng.normal()), new Float32Array(len), new Float32Array(len)];
    const b = a.map(copy);
    const hp: AdamParams = { lr: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, step: 3 };
    adamUpdateReference(len, a[0], grad, a[1], a[2], hp);
    const stepSize = (hp.lr * Math.sqrt(1 - hp.beta2 ** hp.step)) / (1 - hp.beta1 ** hp.step);
    addon!.adamUpdate(len, b[0], grad, b[1], b[2], stepSize, hp.beta1, hp.beta2, hp.epsilon);
    for (let k = 0; k < 3; k++) expect(Array.from(b[k])).toEqual(Array.from(a[k]));
  });

  it('the provider routes bad input to the checked entries, which throw', () => {
    const f = (n: number) => new Float32Array(n);
    expect(() => native!.reluBackward(4, f(4), f(3), f(4))).toThrow(/reluBackward: y has 3 elements/);
    expect(() => native!.reluBackward(2, new Float64Array(2), f(2), f(2))).toThrow(
      /dy is float64 but out is float32/,
    );
    expect(() => native!.columnSums(2, 3, f(5), f(3))).toThrow(
      /columnSums: x has 5 elements, needs 6 \(2x3\)/,
    );
    const hp: AdamParams = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 };
    expect(() => native!.adamUpdate(3, f(3), f(3), f(2), f(3), hp)).toThrow(/adamUpdate: m has 2 elements/);
  });
});
