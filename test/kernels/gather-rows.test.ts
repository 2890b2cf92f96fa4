import { describe, expect, it } from 'vitest';
import { availableProviders, gatherRows, gatherRowsReference } from '../../src/kernels/index.js';
import type { FloatArray } from '../../src/tensor.js';
import { tryNative } from '../native/load.js';

// gatherRows copies rows of src picked by an index (a training batch from the whole set). Every
// provider, through the dispatcher, must give the reference's bytes; the native addon's own entry
// must refuse what would read or write outside the arrays.

function filled(Ctor: typeof Float32Array | typeof Float64Array, len: number, seed: number): FloatArray {
  const a = new Ctor(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 100;
  }
  return a;
}

/** A shuffled index of `rows` positions in [0, srcRows), with repeats when rows > srcRows. */
function indexOf(rows: number, srcRows: number, seed: number): Int32Array {
  const idx = new Int32Array(rows);
  let s = seed >>> 0;
  for (let r = 0; r < rows; r++) {
    s = (Math.imul(s, 22695477) + 1) >>> 0;
    idx[r] = s % srcRows;
  }
  return idx;
}

// rows x cols from srcRows: one row, odd widths, a row of one element, rows wider than the
// native kernel's prefetch (512 bytes), a batch larger than its source (repeats), and nothing.
const cases = [
  [1, 1, 1],
  [7, 3, 10],
  [256, 256, 2048],
  [33, 17, 5],
  [64, 1000, 300],
  [5, 1, 3],
  [0, 4, 3],
  [3, 0, 3],
];

describe.each(availableProviders().map((p) => [p.name, p] as const))('gatherRows: %s', (name, provider) => {
  for (const dtype of provider.dtypes) {
    const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
    it(`${dtype}: the reference's rows, bit for bit`, () => {
      for (const [rows, cols, srcRows] of cases) {
        const src = filled(Ctor, srcRows * cols, rows + cols);
        const index = indexOf(rows, srcRows, 3 * rows + 1);
        const want = new Ctor(rows * cols).fill(Number.NaN);
        gatherRowsReference(rows, cols, srcRows, src, index, want);
        // dst longer than needed (a last, short batch in the batch's buffer): the tail is left alone
        const got = new Ctor(rows * cols + 5).fill(-7);
        gatherRows(rows, cols, srcRows, src, index, got, name);
        for (let i = 0; i < rows * cols; i++) {
          if (!Object.is(got[i], want[i]))
            expect.fail(`${rows}x${cols} from ${srcRows} at ${i}: ${got[i]} vs ${want[i]}`);
        }
        expect(Array.from(got.subarray(rows * cols))).toEqual([-7, -7, -7, -7, -7]);
      }
    });
    it(`${dtype}: an index outside src throws and writes nothing`, () => {
      const src = filled(Ctor, 4 * 3, 1);
      for (const bad of [4, -1, 2 ** 31 - 1]) {
        const dst = new Ctor(2 * 3).fill(5);
        expect(() => gatherRows(2, 3, 4, src, Int32Array.from([0, bad]), dst, name)).toThrow(
          new RegExp(`gatherRows: index\\[1\\] is ${bad}, outside the 4 rows of src`),
        );
        expect(Array.from(dst)).toEqual([5, 5, 5, 5, 5, 5]);
      }
    });
  }
});

describe('gatherRows argument checks (dispatcher)', () => {
  const src = new Float32Array(12);
  const dst = new Float32Array(6);
  it('names the short array, the wrong index type and mixed float types', () => {
    expect(() => gatherRows(2, 3, 4, src.subarray(0, 11), new Int32Array(2), dst)).toThrow(
      /src has 11 elements/,
    );
    expect(() => gatherRows(2, 3, 4, src, new Int32Array(1), dst)).toThrow(/index has 1 elements, needs 2/);
    expect(() => gatherRows(2, 3, 4, src, new Float32Array(2) as unknown as Int32Array, dst)).toThrow(
      /index/,
    );
    expect(() => gatherRows(2, 3, 4, new Float64Array(12), new Int32Array(2), dst)).toThrow(/float64/);
  });
});

const { addon } = tryNative();

describe.skipIf(!addon)("gatherRows: the addon's own checks", () => {
  const src = new Float32Array(12);
  it('refuses short arrays, a wrong index type, mixed types and bad indices before copying', () => {
    const a = addon!;
    const dst = new Float32Array(6).fill(3);
    expect(() => a.gatherRows(2, 3, 4, src.subarray(0, 11), new Int32Array(2), dst)).toThrow(
      /gatherRows: src has 11 elements, needs 12/,
    );
    expect(() => a.gatherRows(2, 3, 4, src, new Int32Array(1), dst)).toThrow(
      /gatherRows: index has 1 elements, needs 2/,
    );
    expect(() => a.gatherRows(3, 3, 4, src, new Int32Array(3), dst)).toThrow(
      /gatherRows: dst has 6 elements, needs 9/,
    );
    expect(() => a.gatherRows(2, 3, 4, src, new Uint32Array(2) as unknown as Int32Array, dst)).toThrow(
      /gatherRows: index must be an Int32Array, got Uint32Array/,
    );
    expect(() => a.gatherRows(2, 3, 4, new Float64Array(12), new Int32Array(2), dst)).toThrow(
      /gatherRows: src is float64 but dst is float32/,
    );
    expect(() => a.gatherRows(2, 3, 4, src, Int32Array.from([1, 4]), dst)).toThrow(
      /gatherRows: index\[1\] is 4, outside the 4 rows of src/,
    );
    expect(() => a.gatherRows(2, 3, 4, src, Int32Array.from([-2, 0]), dst)).toThrow(/index\[0\] is -2/);
    expect(Array.from(dst)).toEqual([3, 3, 3, 3, 3, 3]);
  });
});
