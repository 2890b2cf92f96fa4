import { declareKernel, type Kernel, size, vector } from '../kernel.js';
import type { FloatArray } from '../types.js';

/** An activation's derivative kernel: out = dL/dz from dy = dL/dy and the layer's output y. */
export type ActivationBackwardFn = (len: number, dy: FloatArray, y: FloatArray, out: FloatArray) => void;

/**
 * Declares an activation's derivative kernel: len, dy, y and out of len elements each, dtype from
 * out, flopsPerElement operations per element for 'auto'. Each reference is its own function (a
 * loop over the activation's backward in js/activations.ts), so V8 inlines the math into it.
 */
export function activationBackwardKernel(
  name: string,
  flopsPerElement: number,
  reference: ActivationBackwardFn,
): Kernel<ActivationBackwardFn> {
  return declareKernel({
    name,
    args: [size('len'), vector('dy', 'len'), vector('y', 'len'), vector('out', 'len')],
    dtypeFrom: 'out',
    work: { sizes: ['len'], scale: flopsPerElement },
    reference,
  });
}
