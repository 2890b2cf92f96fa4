import { afterEach, describe, expect, it } from 'vitest';
import { intermediateArrays } from '../../src/autograd.js';
import { clearPool, POOL_MIN_ELEMENTS, pooledByteCount, recycle, scratch } from '../../src/buffer-pool.js';
import * as tg from '../../src/index.js';

/** Dense(128, relu) -> Dropout(0.5) -> Dense(1, sigmoid) on 64 features, fit with batch 64. */
function fitSmallModel(rows: number, epochs: number, seed: number, dataSeed: number): tg.Model {
  const model = new tg.Model(
    [
      new tg.Dense(128, { activation: 'relu', inputDim: 64 }),
      new tg.Dropout(0.5),
      new tg.Dense(1, { activation: 'sigmoid' }),
    ],
    { seed },
  );
  model.compile({ optimizer: new tg.Adam({ lr: 0.01 }), loss: 'binaryCrossentropy' });
  const g = new tg.Generator(dataSeed);
  const x = new Float32Array(rows * 64).map(() => g.normal());
  const y = new Float32Array(rows).map((_, i) => (x[i * 64] > 0 ? 1 : 0));
  model.fit(new tg.Tensor(x, [rows, 64]), y, { epochs, batchSize: 64, verbose: 0 });
  return model;
}

describe('buffer pool', () => {
  afterEach(() => clearPool());

  it('hands a recycled array back for the same dtype and length only', () => {
    const n = POOL_MIN_ELEMENTS + 3;
    const a = new Float32Array(n);
    recycle(a);
    expect(pooledByteCount()).toBe(a.byteLength);
    expect(scratch('float64', n)).not.toBe(a);
    expect(scratch('float32', n + 1)).not.toBe(a);
    expect(scratch('float32', n)).toBe(a);
    expect(pooledByteCount()).toBe(0);
    expect(scratch('float32', n)).not.toBe(a); // taken once only
  });

  it('keeps neither small arrays, views, nor the same array twice', () => {
    recycle(new Float32Array(POOL_MIN_ELEMENTS - 1));
    const big = new Float32Array(2 * POOL_MIN_ELEMENTS);
    recycle(big.subarray(0, POOL_MIN_ELEMENTS));
    expect(pooledByteCount()).toBe(0);
    const a = new Float64Array(POOL_MIN_ELEMENTS);
    recycle(a);
    recycle(a);
    expect(pooledByteCount()).toBe(a.byteLength);
  });

  it('training reuses the step temporaries and gives the same weights as without the pool', () => {
    // The pool only changes where arrays come from: two identical runs, the second starting with
    // a pool full of arrays of the right sizes holding garbage, end with bit-identical weights.
    const run = (dirty: boolean) => {
      clearPool();
      if (dirty) {
        for (const n of [64 * 128, 128 * 128, 64 * 64 * 2]) {
          for (let i = 0; i < 4; i++) recycle(new Float32Array(n).fill(Number.NaN));
        }
      }
      const model = fitSmallModel(256, 2, 3, 9);
      return model.getWeights().flatMap((w) => [...w]);
    };
    const clean = run(false);
    const dirty = run(true);
    expect(dirty.some(Number.isNaN)).toBe(false);
    expect(dirty).toEqual(clean);
    expect(pooledByteCount()).toBeGreaterThan(0); // temporaries came back after backward
  });

  it("intermediateArrays: what ops made, once per buffer, never a leaf's memory", () => {
    const n = POOL_MIN_ELEMENTS;
    const x = new tg.Tensor(new Float32Array(2 * n).fill(1), [2, n], true);
    const w = new tg.Tensor(new Float32Array(2 * n).fill(2), [2, n]);
    const shared = tg.reshape(x, [n, 2]); // the leaf's own array: never to be recycled
    const product = tg.mul(tg.reshape(shared, [2, n]), w); // new memory
    const again = tg.reshape(product, [n, 2]); // the same buffer as product
    const total = tg.sum(again);
    const arrays = intermediateArrays(total);
    const buffers = arrays.map((a) => a.buffer);
    expect(new Set(buffers).size).toBe(arrays.length);
    expect(buffers).toContain(product.data.buffer);
    expect(buffers).toContain(total.data.buffer);
    expect(buffers).not.toContain(x.data.buffer);
    expect(buffers).not.toContain(w.data.buffer);
    expect(arrays).toHaveLength(2);
  });

  it('fit gives its activations back after each step', () => {
    clearPool();
    fitSmallModel(128, 1, 5, 2);
    // Count the 64 x 128 arrays the pool can hand out before it has to allocate. Two come back in
    // any case: the first layer's weight gradient and the gradient reaching that layer (its backward
    // writes the derivative over it, so there is no other temporary; denseDropout under ReLU keeps
    // neither a mask nor its output before dropout); its output, the step's activation, only when
    // fit recycles the step's activations (2 without).
    let count = 0;
    for (let before = pooledByteCount(); ; count++) {
      scratch('float32', 64 * 128);
      const after = pooledByteCount();
      if (after === before) break;
      before = after;
    }
    expect(count).toBe(3);
  });
});
