import { declareKernel, matrix, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/**
 * out[j] = sum over rows i of x[i*n + j]: the bias gradient of a dense layer. x is m x n. A float64
 * accumulator per column, filled row by row so x is read in storage order, rounded once.
 */
export function columnSumsReference(m: number, n: number, x: FloatArray, out: FloatArray): void {
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) acc[j] += x[row + j];
  }
  for (let j = 0; j < n; j++) out[j] = acc[j];
}

export type ColumnSumsFn = typeof columnSumsReference;

export const columnSumsKernel = declareKernel({
  name: 'columnSums',
  args: [size('m'), size('n'), matrix('x', 'm', 'n'), vector('out', 'n')],
  dtypeFrom: 'out',
  work: { sizes: ['m', 'n'], scale: 1 },
  reference: columnSumsReference,
});

export const columnSums = dispatcher(columnSumsKernel);
