import { describe, expect, it } from 'vitest';
import { tryNative } from './load.js';

// These call the raw binding, bypassing the TypeScript checks: the addon must throw, never crash.
const { addon } = tryNative();
type Args = Parameters<NonNullable<typeof addon>['gemm']>;

const f32 = (n: number) => new Float32Array(n);
const ok = (): Args => [false, false, 2, 2, 3, 1, f32(6), f32(6), 0, f32(4)];
function withArg(i: number, v: unknown): Args {
  const args = ok() as unknown[];
  args[i] = v;
  return args as Args;
}
function detached(n: number): Float32Array {
  const arr = new Float32Array(n);
  structuredClone(arr.buffer, { transfer: [arr.buffer] });
  return arr;
}

describe.skipIf(!addon)('native gemm rejects bad input before touching memory', () => {
  const gemm = (args: Args) => () => addon!.gemm(...args);
  it('the valid call passes (so the cases below fail for their own reason)', () => {
    expect(gemm(ok())).not.toThrow();
  });
  it('names the short array and the shape it needed', () => {
    expect(gemm(withArg(6, f32(5)))).toThrow(/gemm: a has 5 elements, needs 6 \(2x3\)/);
    expect(gemm([false, true, 2, 2, 3, 1, f32(6), f32(5), 0, f32(4)])).toThrow(
      /b has 5 elements, needs 6 \(2x3, transposed\)/,
    );
    expect(gemm(withArg(9, f32(3)))).toThrow(/c has 3 elements, needs 4 \(2x2\)/);
    expect(gemm(withArg(6, new Float32Array(new ArrayBuffer(64), 40, 5)))).toThrow(/a has 5 elements/);
  });
  it('products of sizes that overflow 64 bits, or exceed the arrays, throw', () => {
    const big = 2 ** 33;
    expect(gemm([false, false, big, 2, big, 1, f32(6), f32(6), 0, f32(4)])).toThrow(/m\*k = .* overflows/);
    expect(gemm([false, false, 0, big, big, 1, f32(6), f32(6), 0, f32(4)])).toThrow(/k\*n = .* overflows/);
    expect(gemm([false, false, 2 ** 53, 1, 1, 1, f32(6), f32(6), 0, f32(4)])).toThrow(/a has 6 elements/);
    expect(gemm([false, false, 2 ** 40, 2 ** 20, 0, 1, f32(0), f32(0), 0, f32(4)])).toThrow(
      /overflows|c has/,
    );
  });
  it('detached and empty buffers', () => {
    expect(gemm(withArg(6, detached(6)))).toThrow(/a has 0 elements, needs 6/);
    expect(gemm(withArg(9, detached(4)))).toThrow(/c has 0 elements, needs 4/);
    // Nothing to read or write: a detached or empty array is fine.
    expect(gemm([false, false, 0, 0, 0, 1, detached(1), f32(0), 0, detached(1)])).not.toThrow();
    expect(gemm([false, false, 2, 2, 0, 1, f32(0), detached(3), 0, f32(4)])).not.toThrow();
  });
  it('non-typed-array arguments and wrong element types', () => {
    expect(gemm(withArg(6, [1, 2, 3, 4, 5, 6]))).toThrow(
      /a must be a Float32Array or Float64Array, got an Array/,
    );
    expect(gemm(withArg(7, null))).toThrow(/b must be a Float32Array or Float64Array, got null/);
    expect(gemm(withArg(9, undefined))).toThrow(/c must be .* got undefined/);
    expect(gemm(withArg(6, new Int32Array(6)))).toThrow(/got Int32Array/);
    expect(gemm(withArg(6, Buffer.alloc(24)))).toThrow(/got Uint8Array/);
    expect(gemm(withArg(6, new DataView(new ArrayBuffer(24))))).toThrow(/got a buffer/);
    expect(gemm(withArg(6, new ArrayBuffer(24)))).toThrow(/got a buffer/);
    expect(gemm(withArg(6, 3))).toThrow(/got a number/);
  });
  it('mixed element types', () => {
    expect(gemm(withArg(6, new Float64Array(6)))).toThrow(/a is float64 but c is float32/);
    expect(gemm(withArg(9, new Float64Array(4)))).toThrow(/a is float32 but c is float64/);
  });
  it('negative, fractional, non-finite and non-numeric sizes', () => {
    expect(gemm(withArg(2, -1))).toThrow(/m must be a non-negative integer, got -1/);
    expect(gemm(withArg(3, 1.5))).toThrow(/n must be a non-negative integer, got 1.5/);
    expect(gemm(withArg(4, Number.NaN))).toThrow(/k must be a non-negative integer, got nan/i);
    expect(gemm(withArg(4, Number.POSITIVE_INFINITY))).toThrow(/k must be a non-negative integer/);
    expect(gemm(withArg(4, 2 ** 64))).toThrow(/k must be a non-negative integer/);
    expect(gemm(withArg(2, '2'))).toThrow(/m must be a number, got a string/);
    expect(gemm(withArg(2, 2n))).toThrow(/m must be a number/);
  });
  it('flags, scalars and argument count', () => {
    expect(gemm(withArg(0, 1))).toThrow(/transA must be a boolean, got a number/);
    expect(gemm(withArg(5, '1'))).toThrow(/alpha must be a number/);
    expect(gemm(withArg(8, null))).toThrow(/beta must be a number/);
    expect(() => (addon!.gemm as unknown as (...a: unknown[]) => void)(false, false, 1)).toThrow(
      /expected 10 arguments, got 3/,
    );
  });
});

describe.skipIf(!addon)('native denseForward and settings reject bad input', () => {
  const x = f32(6);
  const w = f32(6);
  it('bias and activation', () => {
    expect(() => addon!.denseForward(2, 2, 3, x, w, f32(1), 0, f32(4))).toThrow(
      /bias has 1 elements, needs 2/,
    );
    expect(() => addon!.denseForward(2, 2, 3, x, w, new Float64Array(2), 0, f32(4))).toThrow(
      /bias is float64 but out is float32/,
    );
    expect(() => addon!.denseForward(2, 2, 3, x, w, null, 7, f32(4))).toThrow(/activation must be 0/);
    expect(() => addon!.denseForward(2, 2, 3, x, w, null, 1.5, f32(4))).toThrow(/activation must be 0/);
    expect(() => addon!.denseForward(2, 2, 3, x, f32(5), null, 0, f32(4))).toThrow(/w has 5 elements/);
    expect(() => addon!.denseForward(2, 2, 3, x, w, detached(2), 0, f32(4))).toThrow(/bias has 0 elements/);
  });
  it('thread counts', () => {
    expect(() => addon!.setThreads(0)).toThrow(/integer between 1 and 256, got 0/);
    expect(() => addon!.setThreads(1.5)).toThrow(/integer between 1 and 256, got 1.5/);
    expect(addon!.setIsa('sse9')).toBe(false);
  });
});
