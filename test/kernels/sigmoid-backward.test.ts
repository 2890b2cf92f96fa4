import { afterAll, describe, expect, it } from 'vitest';
import {
  availableProviders,
  type Dtype,
  type FloatArray,
  type GpuProvider,
  sigmoidBackward,
  sigmoidBackwardReference,
} from '../../src/kernels/index.js';
import { Generator } from '../../src/random.js';
import { kernelsOf } from '../helpers/kernels.js';
import { tryNative } from '../native/load.js';

// sigmoidBackward, out = dy * y * (1 - y), on every provider against the float64 reference.

const providers = availableProviders();
/** Providers that compute in float32 on a device, where the references compute in float64. */
const DEVICE_FLOAT32 = new Set(['gpu', 'vulkan']);
afterAll(() => {
  for (const p of providers) if (p.name === 'gpu') (p as GpuProvider).destroy();
});

const LENGTHS = [0, 1, 7, 1001, 40_000];

function make(dtype: Dtype, len: number, fill: (i: number) => number): FloatArray {
  const arr = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) arr[i] = fill(i);
  return arr;
}

/** dy of either sign over a few decades, y a sigmoid output in [0, 1] with its ends and NaN. */
function inputs(dtype: Dtype, len: number, seed: number, withNaN: boolean) {
  const rng = new Generator(seed);
  const dy = make(dtype, len, () => rng.normal() * 10 ** rng.int(4));
  const y = make(dtype, len, (i) => {
    if (i % 97 === 3) return 0;
    if (i % 97 === 5) return 1;
    if (withNaN && i % 97 === 7) return Number.NaN;
    return rng.uniform(0, 1);
  });
  if (len > 2) dy[2] = -0;
  return { dy, y };
}

describe.each(providers.map((p) => [p.name, p] as const))('sigmoidBackward on %s', (name, provider) => {
  const own = kernelsOf(provider).sigmoidBackward;
  // gpu.js and Vulkan compute in float32 on the device, and GLSL need not propagate NaN.
  const exact = !DEVICE_FLOAT32.has(name);
  for (const dtype of provider.dtypes) {
    it(`${dtype}: lengths ${LENGTHS.join(', ')}, ${exact ? 'equal to the reference bit for bit' : 'within float32 rounding'}, in place too`, () => {
      for (const len of LENGTHS) {
        const { dy, y } = inputs(dtype, len, len + 1, exact);
        const want = make(dtype, len, () => 7);
        sigmoidBackwardReference(len, dy, y, want);
        // The float64 arithmetic the reference stands for, for the tolerance check.
        const wide = new Float64Array(len);
        for (let i = 0; i < len; i++) wide[i] = dy[i] * y[i] * (1 - y[i]);
        const got = make(dtype, len, () => 7);
        own(len, dy, y, got);
        const through = make(dtype, len, () => 7);
        sigmoidBackward(len, dy, y, through, name);
        const inPlace = dy.slice();
        own(len, inPlace, y, inPlace);
        for (const [what, out] of [
          ['own', got],
          ['dispatched', through],
          ['in place', inPlace],
        ] as const) {
          for (let i = 0; i < len; i++) {
            const ok = exact
              ? Object.is(out[i], want[i])
              : Math.abs(out[i] - wide[i]) <= 2e-7 * Math.abs(dy[i]) + 1e-30;
            if (!ok) expect.fail(`${name} ${dtype} len ${len} ${what} at ${i}: ${out[i]}, want ${wide[i]}`);
          }
        }
      }
    });
  }
});

describe('sigmoidBackward argument checks (dispatcher, before any provider)', () => {
  const f = (n: number) => new Float32Array(n);
  function detached(n: number): Float32Array {
    const arr = f(n);
    structuredClone(arr.buffer, { transfer: [arr.buffer] });
    return arr;
  }
  const call =
    (...args: unknown[]) =>
    () =>
      (sigmoidBackward as (...xs: unknown[]) => void)(...args);

  it('names the short or detached array and the length it needed', () => {
    expect(call(4, f(3), f(4), f(4))).toThrow(/^sigmoidBackward: dy has 3 elements, needs 4$/);
    expect(call(4, f(4), f(3), f(4))).toThrow(/sigmoidBackward: y has 3 elements, needs 4/);
    expect(call(4, f(4), f(4), f(3))).toThrow(/sigmoidBackward: out has 3 elements, needs 4/);
    expect(call(4, detached(4), f(4), f(4))).toThrow(/dy has 0 elements, needs 4/);
    expect(call(4, f(4), f(4), new Float32Array(new ArrayBuffer(64), 52, 3))).toThrow(/out has 3 elements/);
  });
  it('empty and detached arrays are fine when nothing is read', () => {
    expect(call(0, detached(4), f(0), f(0))).not.toThrow();
    expect(call(0, f(0), f(0), f(0), 'native')).not.toThrow();
  });
  it('refuses negative, fractional, NaN and non-numeric lengths', () => {
    expect(call(-1, f(4), f(4), f(4))).toThrow(/len must be a non-negative integer, got -1/);
    expect(call(2.5, f(4), f(4), f(4))).toThrow(/len must be a non-negative integer, got 2.5/);
    expect(call(Number.NaN, f(4), f(4), f(4))).toThrow(/len must be a non-negative integer, got NaN/);
    expect(call('4', f(4), f(4), f(4))).toThrow(/len must be a non-negative integer, got a string/);
  });
  it('refuses mixed element types and other arrays', () => {
    expect(call(2, new Float64Array(2), f(2), f(2))).toThrow(/dy is float64 but out is float32/);
    expect(call(2, f(2), f(2), new Float64Array(2))).toThrow(/dy is float32 but out is float64/);
    expect(call(2, [1, 2], f(2), f(2))).toThrow(/dy must be a Float32Array or Float64Array, got an Array/);
    expect(call(2, f(2), new Int32Array(2), f(2))).toThrow(/y must be .* got Int32Array/);
    expect(call(2, f(2), f(2), null)).toThrow(/out must be .* got null/);
  });
  it('an unknown provider or one without the dtype says so', () => {
    expect(call(1, f(1), f(1), f(1), 'cuda')).toThrow(/unknown kernel provider 'cuda'/);
    if (providers.some((p) => p.name === 'gpu')) {
      const d = () => new Float64Array(1);
      expect(call(1, d(), d(), d(), 'gpu')).toThrow(/'gpu' does not support float64/);
    }
  });
});

const { addon } = tryNative();

describe.skipIf(!addon)('native sigmoidBackward entries reject bad input', () => {
  // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed calls
  const a = addon as any;
  const f32 = (n: number) => new Float32Array(n);
  it('the checked entry throws, naming the argument', () => {
    expect(() => a.sigmoidBackward(4, f32(4), f32(4))).toThrow(
      /sigmoidBackward: expected 4 arguments, got 3/,
    );
    expect(() => a.sigmoidBackward(-1, f32(4), f32(4), f32(4))).toThrow(/len must be a non-negative integer/);
    expect(() => a.sigmoidBackward(Number.NaN, f32(4), f32(4), f32(4))).toThrow(/got nan/i);
    expect(() => a.sigmoidBackward(4, f32(4), f32(3), f32(4))).toThrow(
      /sigmoidBackward: y has 3 elements, needs 4/,
    );
    expect(() => a.sigmoidBackward(4, new Float64Array(4), f32(4), f32(4))).toThrow(
      /dy is float64 but out is float32/,
    );
    expect(() => a.sigmoidBackward(4, f32(4), f32(4), [1, 2, 3, 4])).toThrow(/out must be .* got an Array/);
    const gone = f32(4);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    expect(() => a.sigmoidBackward(4, gone, f32(4), f32(4))).toThrow(/dy has 0 elements, needs 4/);
  });
  it('the fast entry never throws: status 0 when done, else left for the checked entry', () => {
    const run = (bytes: number, len: number, ...arrays: unknown[]) => {
      const p = Float64Array.from([1, bytes, len, 0, 0, 0, 0, 0]);
      a.sigmoidBackwardFast(p, ...arrays);
      return p[0];
    };
    expect(run(4, 4, f32(4), Float32Array.of(0.5, 0.5, 0.5, 0.5), f32(4))).toBe(0);
    expect(run(4, 5, f32(4), f32(4), f32(4))).toBe(1);
    expect(run(8, 4, f32(4), f32(4), f32(4))).toBe(1);
    expect(run(2, 4, f32(4), f32(4), f32(4))).toBe(1);
    expect(run(4, -1, f32(4), f32(4), f32(4))).toBe(1);
    expect(run(4, Number.NaN, f32(4), f32(4), f32(4))).toBe(1);
    const gone = f32(4);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    expect(run(4, 4, gone, f32(4), f32(4))).toBe(1);
    expect(() => a.sigmoidBackwardFast(new Float64Array(2), f32(4), f32(4), f32(4))).not.toThrow();
    expect(() => a.sigmoidBackwardFast(null, f32(4), f32(4), f32(4))).not.toThrow();
  });
  it('auto on a long call (the addon side of its threshold) gives the reference result', () => {
    const { dy, y } = inputs('float32', 5000, 9, true);
    const want = new Float32Array(5000);
    sigmoidBackwardReference(5000, dy, y, want);
    const got = new Float32Array(5000);
    sigmoidBackward(5000, dy, y, got, 'auto');
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});
