import { activations } from '../js/activations.js';
import { declareKernel, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/** out = dy where y > 0, else 0 (ReLU'(0) = 0); y is the layer's output (or its pre-activation). */
export function reluBackwardReference(len: number, dy: FloatArray, y: FloatArray, out: FloatArray): void {
  const back = activations.relu.backward;
  for (let i = 0; i < len; i++) out[i] = back(dy[i], y[i]);
}

export type ReluBackwardFn = typeof reluBackwardReference;

export const reluBackwardKernel = declareKernel({
  name: 'reluBackward',
  args: [size('len'), vector('dy', 'len'), vector('y', 'len'), vector('out', 'len')],
  dtypeFrom: 'out',
  work: { sizes: ['len'], scale: 1 },
  reference: reluBackwardReference,
});

export const reluBackward = dispatcher(reluBackwardKernel);
