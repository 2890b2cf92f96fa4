import { describe, expect, it } from 'vitest';
import {
  type Activation,
  applyBiasActivation,
  denseForward,
  type FloatArray,
  naiveGemm,
} from '../../src/kernels/index.js';
import { Generator } from '../../src/random.js';
import { gemmTolerance } from '../helpers/gemm.js';
import { tryNative } from './load.js';

const { addon } = tryNative();

describe.skipIf(!addon)('native fused dense forward: act(x W + bias)', () => {
  const shapes: Array<[number, number, number]> = [
    [32, 64, 10],
    [32, 32, 64],
    [32, 1, 32],
    [7, 5, 3],
    [130, 70, 300],
    // the blocked path with the bias and ReLU in the micro-kernel: on the thread pool, edge tiles
    // in both directions, the epilogue on the last of several kc blocks (fp32 kc is 1024 on AVX2,
    // 512 on AVX-512) or on the only one
    [131, 531, 1100],
    [200, 1030, 70],
    // shallow products with a wide C, which the unpacked path writes in bands of rows
    [300, 257, 3],
    [257, 1023, 1],
    // matrix-vector products: one bias for every row (n = 1), one per output (m = 1)
    [300, 1, 530],
    [33, 1, 17],
    [1, 70, 300],
    [1, 1, 40],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as Activation[]) {
      it(`${dtype} ${activation}, with and without bias, against gemm + TypeScript epilogue`, () => {
        const rng = new Generator(11);
        const make = (len: number, fill?: () => number): FloatArray => {
          const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
          if (fill) for (let i = 0; i < len; i++) arr[i] = fill();
          return arr;
        };
        const u = () => rng.uniform(-1, 1);
        for (const [m, n, k] of shapes) {
          const x = make(m * k, u);
          const w = make(k * n, u);
          for (const bias of [make(n, u), null]) {
            const ref = new Float64Array(m * n);
            naiveGemm(false, false, m, n, k, 1, Float64Array.from(x), Float64Array.from(w), 0, ref);
            applyBiasActivation(m, n, bias && Float64Array.from(bias), activation, ref);
            const out = make(m * n).fill(Number.NaN);
            denseForward(m, n, k, x, w, bias, activation, out, 'native');
            const tol = gemmTolerance(dtype, k) * 2;
            for (let i = 0; i < ref.length; i++) {
              if (!(Math.abs(out[i] - ref[i]) <= tol)) {
                expect.fail(`${m}x${n}x${k} bias=${bias !== null} at ${i}: ${out[i]} vs ${ref[i]}`);
              }
            }
          }
        }
      });
    }
  }
  it('relu maps 0 to 0 and keeps negative inputs out', () => {
    const out = new Float32Array(2);
    denseForward(1, 2, 1, new Float32Array([1]), new Float32Array([-1, 0]), null, 'relu', out, 'native');
    expect([...out]).toEqual([0, 0]);
  });
  it('k = 0 gives act(bias) in every row (the product adds nothing)', () => {
    const bias = new Float64Array([-2, 0.5, 3]);
    for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as Activation[]) {
      const want = Float64Array.from([...bias, ...bias]);
      applyBiasActivation(2, 3, null, activation, want);
      const out = new Float64Array(6).fill(Number.NaN);
      denseForward(2, 3, 0, new Float64Array(0), new Float64Array(0), bias, activation, out, 'native');
      for (let i = 0; i < 6; i++) expect(out[i]).toBeCloseTo(want[i], 14);
    }
  });
});
