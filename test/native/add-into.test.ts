import { describe, expect, it } from 'vitest';
import { addInto, addIntoReference, type FloatArray } from '../../src/kernels/index.js';
import { createNativeProvider } from '../../src/kernels/native/provider.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from '../helpers/kernels.js';
import { tryNative } from './load.js';

// addInto (gradient accumulation): the native kernel adds in the element type, which for float32
// equals the TypeScript's double sum rounded once; checked bit for bit, odd and threaded lengths.
const { addon } = tryNative();

function make(dtype: 'float32' | 'float64', len: number, fill: () => number): FloatArray {
  const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) arr[i] = fill();
  return arr;
}

describe('addInto', () => {
  it('checks its arguments', () => {
    expect(() => addInto(3, new Float32Array(3), new Float32Array(2))).toThrow(/x has 2 elements/);
    expect(() => addInto(2, new Float32Array(2), new Float64Array(2))).toThrow(/float64/);
  });

  describe.skipIf(!addon)('native matches the reference bit for bit', () => {
    const native = addon ? kernelsOf(createNativeProvider(addon)) : undefined;
    for (const dtype of ['float32', 'float64'] as const) {
      for (const len of [0, 1, 13, 4099, 70001]) {
        it(`${dtype} len ${len}`, () => {
          const rng = new Generator(len + 1);
          const wide = () => rng.normal() * 10 ** Math.floor(rng.uniform() * 16 - 8);
          const acc = make(dtype, len, wide);
          const x = make(dtype, len, wide);
          if (len > 3) {
            acc[1] = Number.NaN;
            x[2] = Number.POSITIVE_INFINITY;
            acc[3] = -0;
            x[3] = -0;
          }
          const want = acc.slice();
          addIntoReference(len, want, x);
          native!.addInto(len, acc, x);
          for (let i = 0; i < len; i++) {
            if (!Object.is(acc[i], want[i])) throw new Error(`element ${i}: ${acc[i]} != ${want[i]}`);
          }
          expect(acc.length).toBe(len);
        });
      }
    }
    it('a short array is refused by the fast entry (the reference then runs)', () => {
      const p = new Float64Array([1, 4, 10]);
      addon!.addIntoFast(p, new Float32Array(4), new Float32Array(10));
      expect(p[0]).toBe(1);
    });
  });
});
