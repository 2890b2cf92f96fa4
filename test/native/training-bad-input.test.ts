import { describe, expect, it } from 'vitest';
import { tryNative } from './load.js';

// The raw training-kernel bindings, bypassing the TypeScript checks: they must throw, never crash.
const { addon } = tryNative();
const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);
function detached(n: number): Float32Array {
  const arr = new Float32Array(n);
  structuredClone(arr.buffer, { transfer: [arr.buffer] });
  return arr;
}
const notArrays: Array<[unknown, RegExp]> = [
  [[1, 2, 3, 4], /got an Array/],
  [null, /got null/],
  [undefined, /got undefined/],
  [new Int32Array(4), /got Int32Array/],
  [Buffer.alloc(16), /got Uint8Array/],
  [new DataView(new ArrayBuffer(16)), /got a buffer/],
  [3, /got a number/],
];

describe.skipIf(!addon)('native reluBackward / columnSums / adamUpdate reject bad input', () => {
  // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed calls
  const a = addon as any;
  const relu =
    (...args: unknown[]) =>
    () =>
      a.reluBackward(...args);
  const sums =
    (...args: unknown[]) =>
    () =>
      a.columnSums(...args);
  const adam =
    (...args: unknown[]) =>
    () =>
      a.adamUpdate(...args);
  const adamOk = (): unknown[] => [4, f32(4), f32(4), f32(4), f32(4), 0.001, 0.9, 0.999, 1e-7];

  it('valid calls pass', () => {
    expect(relu(4, f32(4), f32(4), f32(4))).not.toThrow();
    expect(sums(2, 3, f64(6), f64(3))).not.toThrow();
    expect(adam(...adamOk())).not.toThrow();
  });
  it('argument counts', () => {
    expect(relu(4, f32(4), f32(4))).toThrow(/reluBackward: expected 4 arguments, got 3/);
    expect(sums(2, 3, f32(6), f32(3), 1)).toThrow(/columnSums: expected 4 arguments, got 5/);
    expect(adam(4, f32(4))).toThrow(/adamUpdate: expected 9 arguments, got 2/);
  });
  it('sizes: negative, fractional, NaN, not numbers, overflowing', () => {
    expect(relu(-1, f32(4), f32(4), f32(4))).toThrow(/len must be a non-negative integer, got -1/);
    expect(relu(1.5, f32(4), f32(4), f32(4))).toThrow(/got 1.5/);
    expect(relu(Number.NaN, f32(4), f32(4), f32(4))).toThrow(/got nan/i);
    expect(relu('4', f32(4), f32(4), f32(4))).toThrow(/len must be a number, got a string/);
    expect(sums(2 ** 40, 2 ** 40, f32(6), f32(2 ** 20))).toThrow(/m\*n = .* overflows|out has/);
    expect(sums(2 ** 33, 2 ** 33, f32(6), f32(4))).toThrow(/out has 4 elements/);
    expect(sums(2 ** 33, 4, f32(6), f32(4))).toThrow(/x has 6 elements, needs 34359738368/);
    expect(adam(2 ** 53, f32(4), f32(4), f32(4), f32(4), 0.1, 0.9, 0.9, 1e-7)).toThrow(
      /param has 4 elements/,
    );
  });
  it('short arrays, named with the size they needed', () => {
    expect(relu(4, f32(4), f32(3), f32(4))).toThrow(/reluBackward: y has 3 elements, needs 4/);
    expect(relu(4, f32(4), f32(4), f32(3))).toThrow(/out has 3 elements, needs 4/);
    expect(relu(4, new Float32Array(new ArrayBuffer(32), 20, 3), f32(4), f32(4))).toThrow(
      /dy has 3 elements/,
    );
    expect(sums(2, 3, f32(5), f32(3))).toThrow(/columnSums: x has 5 elements, needs 6 \(2x3\)/);
    expect(sums(2, 3, f32(6), f32(2))).toThrow(/out has 2 elements, needs 3/);
    for (let i = 1; i <= 4; i++) {
      const args = adamOk();
      args[i] = f32(3);
      expect(adam(...args)).toThrow(/adamUpdate: (param|grad|m|v) has 3 elements, needs 4/);
    }
  });
  it('mixed element types', () => {
    expect(relu(4, f64(4), f32(4), f32(4))).toThrow(/dy is float64 but out is float32/);
    expect(relu(4, f32(4), f32(4), f64(4))).toThrow(/dy is float32 but out is float64/);
    expect(sums(2, 3, f64(6), f32(3))).toThrow(/x is float64 but out is float32/);
    const args = adamOk();
    args[4] = f64(4);
    expect(adam(...args)).toThrow(/v is float64 but param is float32/);
  });
  it('non-typed-array arguments and non-number hyperparameters', () => {
    for (const [bad, msg] of notArrays) {
      expect(relu(4, bad, f32(4), f32(4))).toThrow(msg);
      expect(sums(2, 2, f32(4), bad)).toThrow(msg);
      const args = adamOk();
      args[3] = bad;
      expect(adam(...args)).toThrow(msg);
    }
    for (let i = 5; i <= 8; i++) {
      const args = adamOk();
      args[i] = 'x';
      expect(adam(...args)).toThrow(/must be a number, got a string/);
    }
  });
  it('detached and empty buffers', () => {
    expect(relu(4, detached(4), f32(4), f32(4))).toThrow(/dy has 0 elements, needs 4/);
    expect(sums(2, 2, f32(4), detached(2))).toThrow(/out has 0 elements, needs 2/);
    const args = adamOk();
    args[2] = detached(4);
    expect(adam(...args)).toThrow(/grad has 0 elements, needs 4/);
    // Nothing to read or write.
    expect(relu(0, detached(1), detached(1), f32(0))).not.toThrow();
    expect(sums(5, 0, detached(1), detached(1))).not.toThrow();
    expect(adam(0, detached(1), detached(1), detached(1), detached(1), 0.1, 0.9, 0.9, 1e-7)).not.toThrow();
  });
});

describe.skipIf(!addon)('native training fast entries never throw, and refuse what they cannot do', () => {
  // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed calls
  const a = addon as any;
  const params = (dtypeBytes: number, len: number, n = 0) =>
    Float64Array.from([1, dtypeBytes, len, n, 0.001, 0.9, 0.999, 1e-7]);

  it('valid calls report status 0', () => {
    let p = params(4, 4);
    a.reluBackwardFast(p, f32(4), f32(4), f32(4));
    expect(p[0]).toBe(0);
    p = params(8, 2, 3);
    a.columnSumsFast(p, f64(6), f64(3));
    expect(p[0]).toBe(0);
    p = params(4, 4);
    a.adamUpdateFast(p, f32(4), f32(4), f32(4), f32(4));
    expect(p[0]).toBe(0);
  });
  it('bad sizes, short or detached arrays, bad element sizes and bad parameter blocks leave status set', () => {
    const cases: Array<() => Float64Array | undefined> = [
      () => {
        const p = params(4, 5);
        a.reluBackwardFast(p, f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(8, 4);
        a.reluBackwardFast(p, f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(2, 4);
        a.reluBackwardFast(p, f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(4, -1);
        a.reluBackwardFast(p, f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(4, 1.5);
        a.reluBackwardFast(p, f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(4, Number.NaN);
        a.reluBackwardFast(p, f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(4, 4);
        a.reluBackwardFast(p, detached(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(4, 2, 3);
        a.columnSumsFast(p, f32(5), f32(3));
        return p;
      },
      () => {
        const p = params(4, 2 ** 40, 2 ** 40);
        a.columnSumsFast(p, f32(5), f32(3));
        return p;
      },
      () => {
        const p = params(4, 2, 3);
        a.columnSumsFast(p, f32(6), null);
        return p;
      },
      () => {
        const p = params(4, 4);
        a.adamUpdateFast(p, f32(4), f32(4), f32(3), f32(4));
        return p;
      },
      () => {
        const p = params(4, 4);
        a.adamUpdateFast(p, f32(4), f32(4), f32(4), 'v');
        return p;
      },
      () => {
        const p = params(8, 4);
        a.adamUpdateFast(p, f32(4), f32(4), f32(4), f32(4));
        return p;
      },
      () => {
        const p = params(4, 4);
        a.adamUpdateFast(p, f32(4), f32(4), f32(4));
        return p;
      },
    ];
    for (const run of cases) {
      let p: Float64Array | undefined;
      expect(() => {
        p = run();
      }).not.toThrow();
      expect(p![0]).toBe(1);
    }
    // A short or missing parameter block: nothing happens, nothing throws.
    expect(() => a.reluBackwardFast(new Float64Array(3), f32(4), f32(4), f32(4))).not.toThrow();
    expect(() => a.columnSumsFast(null, f32(4), f32(4))).not.toThrow();
    expect(() => a.adamUpdateFast(f32(8), f32(4), f32(4), f32(4), f32(4))).not.toThrow();
  });
});
