import { declareKernel, intBlock, matrix, size } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/**
 * dst row r = src row index[r], for r in [0, rows): the rows of a training batch gathered from the
 * whole set (src is srcRows x cols, dst rows x cols, index an Int32Array of rows positions). An
 * index outside [0, srcRows) throws, naming it, before anything is written.
 */
export function gatherRowsReference(
  rows: number,
  cols: number,
  srcRows: number,
  src: FloatArray,
  index: Int32Array,
  dst: FloatArray,
): void {
  checkGatherIndex(rows, srcRows, index);
  for (let r = 0; r < rows; r++) {
    const from = index[r] * cols;
    dst.set(src.subarray(from, from + cols), r * cols);
  }
}

/** Throws for the first of index[0, rows) outside [0, srcRows). */
function checkGatherIndex(rows: number, srcRows: number, index: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    const i = index[r];
    if (!(i >= 0 && i < srcRows)) {
      throw new RangeError(`gatherRows: index[${r}] is ${i}, outside the ${srcRows} rows of src`);
    }
  }
}

export type GatherRowsFn = typeof gatherRowsReference;

export const gatherRowsKernel = declareKernel({
  name: 'gatherRows',
  args: [
    size('rows'),
    size('cols'),
    size('srcRows'),
    matrix('src', 'srcRows', 'cols'),
    intBlock('index', ['rows'], 'int32'),
    matrix('dst', 'rows', 'cols'),
  ],
  dtypeFrom: 'dst',
  work: { sizes: ['rows', 'cols'], scale: 1 },
  reference: gatherRowsReference,
});

export const gatherRows = dispatcher(gatherRowsKernel);
