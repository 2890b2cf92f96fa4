import { declareKernel, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/**
 * acc += x, element by element: gradient accumulation. For float32 the sum taken in double and
 * rounded once equals the float32 sum (double's 53 bits make the double rounding harmless), so a
 * provider may add in float32.
 */
export function addIntoReference(len: number, acc: FloatArray, x: FloatArray): void {
  for (let i = 0; i < len; i++) acc[i] += x[i];
}

export type AddIntoFn = typeof addIntoReference;

export const addIntoKernel = declareKernel({
  name: 'addInto',
  args: [size('len'), vector('acc', 'len'), vector('x', 'len')],
  dtypeFrom: 'acc',
  work: { sizes: ['len'], scale: 1 },
  reference: addIntoReference,
});

export const addInto = dispatcher(addIntoKernel);
