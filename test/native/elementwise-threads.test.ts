import { afterAll, describe, expect, it } from 'vitest';
import {
  type AdamParams,
  adamUpdateReference,
  columnSumsReference,
  dropoutBackwardReference,
  type FloatArray,
  reluBackwardReference,
} from '../../src/kernels/index.js';
import {
  createNativeProvider,
  getNativeThreads,
  setNativeThreads,
} from '../../src/kernels/native/provider.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from '../helpers/kernels.js';
import { tryNative } from './load.js';

// Calls large enough to run on the thread pool (native/parallel.h, from 65,536 elements) give the
// references' values bit for bit on one thread and on several: the work is cut into the same
// chunks whatever the thread count, and each element (or column) is computed the same way.
const { addon } = tryNative();

/** The first index where a and b differ bit for bit (-1 if none): fast on long arrays. */
function firstDifference(a: FloatArray, b: FloatArray): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

function make(dtype: 'float32' | 'float64', len: number, fill: () => number): FloatArray {
  const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) arr[i] = fill();
  return arr;
}

describe.skipIf(!addon)('native elementwise kernels on the thread pool', () => {
  const native = addon ? kernelsOf(createNativeProvider(addon)) : undefined;
  const before = addon ? getNativeThreads() : 1;
  afterAll(() => {
    if (addon) setNativeThreads(before);
  });
  for (const threads of [1, 2, 3]) {
    for (const dtype of ['float32', 'float64'] as const) {
      const len = 70_001; // past the threshold, not a multiple of the chunk
      it(`${threads} threads, ${dtype}: reluBackward, dropoutBackward and Adam over ${len} elements`, () => {
        setNativeThreads(threads);
        const rng = new Generator(threads * 10 + (dtype === 'float32' ? 1 : 2));
        const dy = make(dtype, len, () => rng.normal());
        const y = make(dtype, len, () => (rng.uniform() < 0.3 ? 0 : rng.normal()));
        const want = make(dtype, len, () => 7);
        const got = make(dtype, len, () => 7);
        reluBackwardReference(len, dy, y, want);
        native!.reluBackward(len, dy, y, got);
        expect(firstDifference(got, want)).toBe(-1);
        const mask = make(dtype, len, () => (rng.uniform() < 0.5 ? 0 : 2));
        dropoutBackwardReference(len, dy, mask, want);
        native!.dropoutBackward(len, dy, mask, got);
        expect(firstDifference(got, want)).toBe(-1);
        const p0 = make(dtype, len, () => rng.normal());
        const ts = [p0.slice(), make(dtype, len, () => 0), make(dtype, len, () => 0)];
        const nat = ts.map((a) => a.slice());
        for (let step = 1; step <= 3; step++) {
          const grad = make(dtype, len, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 6 - 3));
          const hp: AdamParams = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step };
          adamUpdateReference(len, ts[0], grad, ts[1], ts[2], hp);
          native!.adamUpdate(len, nat[0], grad, nat[1], nat[2], hp);
        }
        for (let k = 0; k < 3; k++) expect(firstDifference(nat[k], ts[k])).toBe(-1);
      });
      for (const [m, n] of [
        [256, 1024],
        [300, 1027],
        [65537, 1],
        [70, 1000],
      ] as const) {
        it(`${threads} threads, ${dtype}: columnSums ${m}x${n}`, () => {
          setNativeThreads(threads);
          const rng = new Generator(m + n);
          const x = make(dtype, m * n, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 6 - 3));
          const want = make(dtype, n, () => 7);
          const got = make(dtype, n, () => 7);
          columnSumsReference(m, n, x, want);
          native!.columnSums(m, n, x, got);
          expect(firstDifference(got, want)).toBe(-1);
        });
      }
    }
  }
});
