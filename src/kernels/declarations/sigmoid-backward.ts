import { activations } from '../js/activations.js';
import { declareKernel, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/** out = dy * y * (1 - y): dL/dz of y = sigmoid(z), from dL/dy and the output y. */
export function sigmoidBackwardReference(len: number, dy: FloatArray, y: FloatArray, out: FloatArray): void {
  const back = activations.sigmoid.backward;
  for (let i = 0; i < len; i++) out[i] = back(dy[i], y[i]);
}

export type SigmoidBackwardFn = typeof sigmoidBackwardReference;

export const sigmoidBackwardKernel = declareKernel({
  name: 'sigmoidBackward',
  args: [size('len'), vector('dy', 'len'), vector('y', 'len'), vector('out', 'len')],
  dtypeFrom: 'out',
  work: { sizes: ['len'], scale: 3 },
  reference: sigmoidBackwardReference,
});

export const sigmoidBackward = dispatcher(sigmoidBackwardKernel);
