import { describe, expect, it } from 'vitest';
import {
  dropoutBackward,
  dropoutBackwardReference,
  dropoutForward,
  dropoutForwardReference,
  type FloatArray,
  reluDropoutBackward,
  reluDropoutBackwardReference,
} from '../../src/kernels/index.js';
import { createNativeProvider } from '../../src/kernels/native/provider.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from '../helpers/kernels.js';
import { tryNative } from './load.js';

// Dropout's kernels: the native ones must draw the very stream Generator.fillUint32 draws and give
// the TypeScript reference's values bit for bit, so a seed reproduces a run on every provider.
const { addon } = tryNative();
const dtypes = ['float32', 'float64'] as const;
// Below 131072 (2 groups of 8 lanes of 8192) the native kernel draws the stream serially; from there
// in jumped lanes on the pool: exactly at the switch, and with a partial last group and lane.
const lengths = [0, 1, 7, 1023, 70001, 131071, 131072, 266261];

function make(dtype: 'float32' | 'float64', len: number, fill: (i: number) => number): FloatArray {
  const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) arr[i] = fill(i);
  return arr;
}

describe('dropoutForward reference', () => {
  it('drops where the generator draw is below rate * 2^32 and advances the state like fillUint32', () => {
    const len = 1001;
    const rate = 0.3;
    const g = new Generator(11);
    const state = g.getState();
    const draws = new Generator(11).fillUint32(new Uint32Array(len));
    const x = make('float64', len, (i) => i - 500.5);
    const out = new Float64Array(len);
    const mask = new Float64Array(len);
    dropoutForwardReference(len, rate, state, x, out, mask);
    for (let i = 0; i < len; i++) {
      const kept = draws[i] >= rate * 2 ** 32;
      expect(mask[i]).toBe(kept ? 1 / (1 - rate) : 0);
      expect(out[i]).toBe(kept ? x[i] * (1 / (1 - rate)) : x[i] * 0);
    }
    const after = new Generator(11);
    after.fillUint32(new Uint32Array(len));
    expect(Array.from(state)).toEqual(Array.from(after.getState()));
  });

  it('checks its arguments through the dispatcher', () => {
    const f = (n: number) => new Float32Array(n);
    expect(() => dropoutForward(4, 0.5, new Uint32Array(3), f(4), f(4), f(4))).toThrow(/state must be/);
    expect(() => dropoutForward(4, 0.5, new Uint32Array(4), f(3), f(4), f(4))).toThrow(/x has 3 elements/);
    expect(() => dropoutForward(2, 1, new Uint32Array([1, 2, 3, 4]), f(2), f(2), f(2))).toThrow(
      /rate must be in \[0, 1\), got 1/,
    );
    expect(() => dropoutBackward(3, f(3), new Float64Array(3), f(3))).toThrow(/float64/);
  });

  it('backward multiplies by the mask', () => {
    const out = new Float32Array(3);
    dropoutBackwardReference(3, Float32Array.of(1, -2, 3), Float32Array.of(0, 2, 2), out);
    expect(Array.from(out)).toEqual([0, -4, 6]);
  });
});

describe.skipIf(!addon)('native dropout kernels match the TypeScript references bit for bit', () => {
  const native = addon ? kernelsOf(createNativeProvider(addon)) : undefined;
  for (const dtype of dtypes) {
    for (const len of lengths) {
      // 0.5 and 0.75: scales that are floats (the float32 kernel's float path); 0.1, 0.999: not.
      for (const rate of [0.5, 0.75, 0.1, 0.999]) {
        it(`forward ${dtype} len ${len} rate ${rate}: same mask, values and advanced state`, () => {
          const rng = new Generator(len + 3);
          // NaN, infinities and signed zeros: dropped ones must give x * 0 (NaN, -0) as in TypeScript.
          const x = make(dtype, len, (i) =>
            i % 97 === 5 ? Number.NaN : i % 89 === 3 ? -Infinity : i % 83 === 1 ? -0 : rng.normal() * 100,
          );
          const seedState = new Generator(len * 7 + 1).getState();
          const s1 = seedState.slice();
          const s2 = seedState.slice();
          const want = [make(dtype, len, () => 9), make(dtype, len, () => 9)];
          const got = [make(dtype, len, () => 9), make(dtype, len, () => 9)];
          dropoutForwardReference(len, rate, s1, x, want[0], want[1]);
          native!.dropoutForward(len, rate, s2, x, got[0], got[1]);
          for (let i = 0; i < len; i++) {
            if (!Object.is(got[0][i], want[0][i]) || !Object.is(got[1][i], want[1][i])) {
              throw new Error(
                `element ${i}: got ${got[0][i]}/${got[1][i]}, want ${want[0][i]}/${want[1][i]}`,
              );
            }
          }
          expect(Array.from(s2)).toEqual(Array.from(s1));
        });
      }
      it(`backward ${dtype} len ${len}: exactly dy * mask`, () => {
        const rng = new Generator(len + 5);
        const dy = make(dtype, len, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 8 - 4));
        const mask = make(dtype, len, () => (rng.uniform() < 0.5 ? 0 : 1 / 0.7));
        const want = make(dtype, len, () => 9);
        const got = make(dtype, len, () => 9);
        dropoutBackwardReference(len, dy, mask, want);
        native!.dropoutBackward(len, dy, mask, got);
        expect(Array.from(got)).toEqual(Array.from(want));
      });
    }
  }

  // Dropout's backward, ReLU's and the bias gradient in one pass from the dropout's output
  // (denseDropout's backward under ReLU): odd shapes, column counts across the 256-column blocks,
  // with and without the sums, a scale that is a float and one that is not, and the values where a
  // fused loop could differ (NaN and infinite gradients, y at -0, NaN or negative).
  for (const dtype of dtypes) {
    for (const [m, n] of [
      [0, 5],
      [3, 0],
      [1, 1],
      [7, 3],
      [33, 517],
      [256, 1024],
      [129, 1031],
    ] as const) {
      it(`reluDropoutBackward ${dtype} ${m}x${n}: the reference bit for bit, with and without sums`, () => {
        const rng = new Generator(m * 31 + n);
        const len = m * n;
        const dy = make(dtype, len, (i) =>
          i % 101 === 7 ? Number.NaN : i % 103 === 2 ? Number.POSITIVE_INFINITY : rng.normal() * 10,
        );
        const y = make(dtype, len, (i) =>
          i % 97 === 3
            ? Number.NaN
            : i % 89 === 1
              ? -0
              : i % 83 === 2
                ? -1
                : rng.uniform() < 0.6
                  ? 0
                  : rng.uniform(),
        );
        for (const rate of [0.4, 0.5]) {
          for (const withSums of [true, false]) {
            const want = [make(dtype, len, () => 9), make(dtype, n, () => 9)];
            const got = [make(dtype, len, () => 9), make(dtype, n, () => 9)];
            reluDropoutBackwardReference(m, n, rate, dy, y, want[0], withSums ? want[1] : null);
            native!.reluDropoutBackward(m, n, rate, dy, y, got[0], withSums ? got[1] : null);
            for (const [k, name] of [
              [0, 'out'],
              [1, 'sums'],
            ] as const) {
              for (let i = 0; i < want[k].length; i++) {
                if (!Object.is(got[k][i], want[k][i]))
                  throw new Error(`rate ${rate} ${name}[${i}]: got ${got[k][i]}, want ${want[k][i]}`);
              }
            }
            if (!withSums) expect(got[1].every((v) => v === 9)).toBe(true);
          }
        }
      });
    }
  }

  it('reluDropoutBackward is dropoutBackward (dy * mask) where the output is > 0, and +0 elsewhere', () => {
    for (const dtype of dtypes) {
      const rng = new Generator(4);
      const len = 999;
      const rate = 0.3;
      const state = new Generator(6).getState();
      const pre = make(dtype, len, () => rng.normal());
      for (let i = 0; i < len; i++) pre[i] = Math.max(0, pre[i]); // a ReLU layer's output
      const y = make(dtype, len, () => 0);
      const mask = make(dtype, len, () => 0);
      dropoutForwardReference(len, rate, state, pre, y, mask);
      const dy = make(dtype, len, () => rng.normal());
      const viaMask = make(dtype, len, () => 0);
      dropoutBackwardReference(len, dy, mask, viaMask);
      const out = make(dtype, len, () => 9);
      native!.reluDropoutBackward(1, len, rate, dy, y, out, null);
      for (let i = 0; i < len; i++) {
        if (y[i] > 0) expect(out[i]).toBe(viaMask[i]);
        else expect(Object.is(out[i], 0)).toBe(true);
      }
    }
  });

  it('reluDropoutBackward: a call the fast entry refuses (mixed dtypes, short sums) runs the reference', () => {
    const dy = Float32Array.of(1, -2, 3, 4);
    const y = Float32Array.of(1, 1, 0, -0);
    const mixed = new Float64Array(2);
    const out = new Float32Array(4);
    native!.reluDropoutBackward(2, 2, 0.5, dy, y, out, mixed);
    expect(Array.from(out)).toEqual([2, -4, 0, 0]);
    expect(Array.from(mixed)).toEqual([2, -4]);
    // The dispatcher checks shapes and the rate before any provider runs.
    expect(() => reluDropoutBackward(2, 2, 0.5, dy, y, out, new Float32Array(1))).toThrow(/sums/);
    expect(() => reluDropoutBackward(2, 2, 1, dy, y, out, null)).toThrow(/rate must be in \[0, 1\)/);
  });

  it('a call the fast entry refuses (short or mixed arrays) runs the reference instead', () => {
    const state = new Generator(1).getState();
    const ref = state.slice();
    const x = new Float32Array(8).fill(1);
    // mask is shorter than len: the provider is called directly (no dispatcher checks), so the
    // native entry must refuse rather than write past its end, and the reference then runs.
    const out = new Float32Array(8);
    const mask = new Float64Array(8);
    native!.dropoutForward(8, 0.5, state, x, out, mask);
    const wantOut = new Float32Array(8);
    const wantMask = new Float64Array(8);
    dropoutForwardReference(8, 0.5, ref, x, wantOut, wantMask);
    expect(Array.from(out)).toEqual(Array.from(wantOut));
    expect(Array.from(state)).toEqual(Array.from(ref));
  });

  it('the native entries never touch memory past a short array', () => {
    // reluDropoutBackwardFast: [status, bytes, m, n, scale, has sums]
    const rd = new Float64Array([1, 4, 2, 4, 2, 1]);
    addon!.reluDropoutBackwardFast(
      rd,
      new Float32Array(8),
      new Float32Array(8),
      new Float32Array(8),
      new Float32Array(3),
    );
    expect(rd[0]).toBe(1); // sums one short
    const rd2 = new Float64Array([1, 4, 2, 4, 2, 0]);
    addon!.reluDropoutBackwardFast(
      rd2,
      new Float32Array(8),
      new Float32Array(7),
      new Float32Array(8),
      new Float32Array(0),
    );
    expect(rd2[0]).toBe(1); // y one short (sums not read)
    const p = new Float64Array([1, 4, 10, 2 ** 31, 2]);
    const state = new Uint32Array([1, 2, 3, 4]);
    const short = new Float32Array(4);
    addon!.dropoutForwardFast(p, state, new Float32Array(10), new Float32Array(10), short);
    expect(p[0]).toBe(1); // refused: status left non-zero
    expect(Array.from(state)).toEqual([1, 2, 3, 4]);
    const q = new Float64Array([1, 4, 10, 0, 0]);
    addon!.dropoutBackwardFast(q, new Float32Array(10), short, new Float32Array(10));
    expect(q[0]).toBe(1);
    const r = new Float64Array([1, 4, 4, 2 ** 31, 2]);
    addon!.dropoutForwardFast(r, new Uint32Array(3), short, short, short);
    expect(r[0]).toBe(1); // a state of 3 words
    const bad = new Float64Array([1, 4, -1, 2 ** 31, 2]);
    addon!.dropoutForwardFast(bad, state, short, short, short);
    expect(bad[0]).toBe(1); // a negative length
  });
});
