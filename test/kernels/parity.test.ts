import { describe, expect, it } from 'vitest';
import { availableProviders, gemm } from '../../src/kernels/index.js';
import { describeCase, gemmCases, parityRandomCount, runParityCase } from '../helpers/gemm.js';

// Every registered provider joins this suite by registering: native and gpu included once loaded.
const providers = availableProviders();

describe.each(providers.map((p) => [p.name, p] as const))('gemm parity: %s', (_name, provider) => {
  const cases = gemmCases(1234, parityRandomCount(provider.name));
  for (const dtype of provider.dtypes) {
    it(`${dtype}: ${cases.length} shapes, every transpose, against the float64 reference`, () => {
      cases.forEach((c, i) => {
        const { worst, tol, at } = runParityCase(provider, dtype, c, 99 + i);
        if (!(worst <= tol)) {
          expect.fail(
            `${provider.name} ${dtype} ${describeCase(c)}: |error| ${worst} at ${at} > tolerance ${tol}`,
          );
        }
      });
    });
  }
});

describe('gemm argument checks (dispatcher)', () => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  it('names the short array and the shape it needed', () => {
    expect(() => gemm(false, false, 2, 2, 3, 1, a.subarray(0, 5), b, 0, c)).toThrow(
      /a has 5 elements, needs 6 \(2x3\)/,
    );
    expect(() => gemm(false, true, 2, 2, 3, 1, a, b.subarray(0, 2), 0, c)).toThrow(
      /b has 2 elements, needs 6 \(2x3, transposed\)/,
    );
    expect(() => gemm(false, false, 2, 2, 3, 1, a, b, 0, new Float32Array(3))).toThrow(
      /c has 3 elements, needs 4/,
    );
  });
  it('rejects negative, fractional and non-numeric sizes', () => {
    expect(() => gemm(false, false, -1, 2, 3, 1, a, b, 0, c)).toThrow(
      /m must be a non-negative integer, got -1/,
    );
    expect(() => gemm(false, false, 2, 1.5, 3, 1, a, b, 0, c)).toThrow(/n must be a non-negative integer/);
    expect(() => gemm(false, false, 2, 2, Number.NaN, 1, a, b, 0, c)).toThrow(/k must be/);
  });
  it('rejects mixed element types and non-typed arrays', () => {
    expect(() => gemm(false, false, 2, 2, 3, 1, new Float64Array(6), b, 0, c)).toThrow(
      /a is float64 but c is float32/,
    );
    expect(() => gemm(false, false, 2, 2, 3, 1, [1, 2] as unknown as Float32Array, b, 0, c)).toThrow(
      /a must be a Float32Array or Float64Array/,
    );
  });
  it('k = 0 gives beta * C, and beta = 0 does not read C (NaN stays out)', () => {
    const out = new Float32Array([1, 2, Number.NaN, 4]);
    gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0, out);
    expect([...out]).toEqual([0, 0, 0, 0]);
    const out2 = new Float32Array([1, 2, 3, 4]);
    gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, out2);
    expect([...out2]).toEqual([0.5, 1, 1.5, 2]);
  });
  it('an unknown provider name lists the known ones', () => {
    expect(() => gemm(false, false, 1, 1, 1, 1, a, b, 0, c, 'cuda')).toThrow(
      /unknown kernel provider 'cuda'; known: js/,
    );
  });
});
