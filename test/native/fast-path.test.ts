import { describe, expect, it } from 'vitest';
import { type FloatArray, naiveGemm } from '../../src/kernels/index.js';
import { createNativeProvider } from '../../src/kernels/native/provider.js';
import { Generator } from '../../src/random.js';
import { gemmTolerance } from '../helpers/gemm.js';
import { kernelsOf } from '../helpers/kernels.js';
import { tryNative } from './load.js';

// The provider's gemm goes through the addon's fast entry (ArrayBuffers plus a parameter block)
// and falls back to the checked entry for anything else: both must give the same products and
// errors, whatever view of which buffer the arrays are.
const { addon } = tryNative();

function fill(arr: FloatArray, rng: Generator): FloatArray {
  for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform(-1, 1);
  return arr;
}

function expectClose(out: FloatArray, ref: Float64Array, k: number, what: string): void {
  const tol = gemmTolerance(out instanceof Float64Array ? 'float64' : 'float32', k) * 2;
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(out[i] - ref[i]) <= tol)) expect.fail(`${what} at ${i}: ${out[i]} vs ${ref[i]}`);
  }
}

describe.skipIf(!addon)('native provider fast path', () => {
  const provider = kernelsOf(createNativeProvider(addon));
  const rng = new Generator(5);

  it('the fast entry takes a plain call (status 0) and refuses a view too short for the sizes', () => {
    // Slots as in GemmSlot (native/addon.cc): status, element bytes, transA, transB, m, n, k,
    // alpha, beta, has bias, activation.
    const params = new Float64Array(11);
    const run = (a: Float32Array, b: Float32Array, c: Float32Array) => {
      params.set([1, 4, 0, 0, 2, 2, 3, 1, 0, 0, 0]);
      addon!.gemmFast(params, a, b, c, c);
      return params[0];
    };
    const c = new Float32Array(4);
    expect(run(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 0, 1, 1, 1]), c)).toBe(0);
    expect([...c]).toEqual([4, 5, 10, 11]);
    // 5 floats at the end of a larger buffer where 6 are needed: refused, nothing written.
    const tail = new Float32Array(new ArrayBuffer(64), 44, 5);
    expect(run(tail, new Float32Array(6), c)).toBe(1);
    expect([...c]).toEqual([4, 5, 10, 11]);
    // The element size is the caller's word, but never stretches a view: 6 "doubles" are 48 bytes.
    params.set([1, 8, 0, 0, 2, 2, 3, 1, 0, 0, 0]);
    addon!.gemmFast(params, new Float32Array(6), new Float32Array(6), new Float32Array(4), c);
    expect(params[0]).toBe(1);
  });

  it('views at an offset inside larger buffers, shared buffers, both dtypes, every transpose', () => {
    const [m, n, k] = [7, 19, 5];
    for (const Ctor of [Float32Array, Float64Array]) {
      const bytes = Ctor.BYTES_PER_ELEMENT;
      const views = {
        plain: (len: number) => new Ctor(len),
        offset: (len: number) => new Ctor(new ArrayBuffer((len + 9) * bytes), 3 * bytes, len),
        // Typed as ArrayBuffer only for this lib version; at run time a shared buffer is what it is.
        shared: (len: number) => new Ctor(new SharedArrayBuffer(len * bytes) as unknown as ArrayBuffer),
      };
      for (const [kind, make] of Object.entries(views)) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = fill(make(m * k), rng);
            const b = fill(make(k * n), rng);
            const c = fill(make(m * n), rng);
            const ref = Float64Array.from(c);
            naiveGemm(transA, transB, m, n, k, 0.5, Float64Array.from(a), Float64Array.from(b), 2, ref);
            provider.gemm(transA, transB, m, n, k, 0.5, a, b, 2, c);
            expectClose(c, ref, k, `${Ctor.name} ${kind} ${transA} ${transB}`);
          }
        }
      }
    }
  });

  it('never reads past a view that is shorter than its buffer', () => {
    const buf = new ArrayBuffer(64 * 4);
    const a = new Float32Array(buf, 0, 5); // needs 6
    expect(() =>
      provider.gemm(false, false, 2, 2, 3, 1, a, new Float32Array(6), 0, new Float32Array(4)),
    ).toThrow(/a has 5 elements, needs 6/);
    const c = new Float32Array(buf, 16, 3); // needs 4
    expect(() =>
      provider.gemm(false, false, 2, 2, 3, 1, new Float32Array(6), new Float32Array(6), 0, c),
    ).toThrow(/c has 3 elements, needs 4/);
  });

  it('bad arguments reach the checked entry and its messages', () => {
    const f32 = (len: number) => new Float32Array(len);
    const call =
      (...args: unknown[]) =>
      () =>
        (provider.gemm as (...xs: unknown[]) => void)(...args);
    expect(call(false, false, 2, 2, 3, 1, f32(6), new Float64Array(6), 0, f32(4))).toThrow(
      /b is float64 but c is float32/,
    );
    expect(call(false, false, -1, 2, 3, 1, f32(6), f32(6), 0, f32(4))).toThrow(
      /m must be a non-negative integer/,
    );
    expect(call(false, false, '2', 2, 3, 1, f32(6), f32(6), 0, f32(4))).toThrow(/m must be a number/);
    expect(call(1, false, 2, 2, 3, 1, f32(6), f32(6), 0, f32(4))).toThrow(/transA must be a boolean/);
    expect(call(false, false, 2, 2, 3, 1, [1, 2, 3, 4, 5, 6], f32(6), 0, f32(4))).toThrow(
      /a must be a Float32Array/,
    );
    const detached = f32(6);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(call(false, false, 2, 2, 3, 1, detached, f32(6), 0, f32(4))).toThrow(/a has 0 elements, needs 6/);
  });

  it('fused dense forward with and without bias, bias at an offset', () => {
    const [m, n, k] = [32, 20, 10];
    const x = fill(new Float32Array(m * k), rng);
    const w = fill(new Float32Array(k * n), rng);
    const bias = fill(new Float32Array(new ArrayBuffer((n + 4) * 4), 8, n), rng);
    for (const b of [bias, null]) {
      const ref = new Float64Array(m * n);
      naiveGemm(false, false, m, n, k, 1, Float64Array.from(x), Float64Array.from(w), 0, ref);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) ref[i * n + j] = Math.max(0, ref[i * n + j] + (b ? b[j] : 0));
      const out = new Float32Array(m * n).fill(Number.NaN);
      provider.denseForward(m, n, k, x, w, b, 'relu', out);
      expectClose(out, ref, k, `bias=${b !== null}`);
    }
    expect(() =>
      provider.denseForward(
        2,
        3,
        1,
        new Float32Array(2),
        new Float32Array(3),
        new Float32Array(2),
        'relu',
        new Float32Array(6),
      ),
    ).toThrow(/bias has 2 elements, needs 3/);
  });
});
