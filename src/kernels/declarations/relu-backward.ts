import { activations } from '../js/activations.js';
import { dispatcher } from '../table.js';
import { type ActivationBackwardFn, activationBackwardKernel } from './activation-backward.js';

/** out = dy where y > 0, else 0 (ReLU'(0) = 0); y is the layer's output (or its pre-activation). */
export const reluBackwardReference: ActivationBackwardFn = (len, dy, y, out) => {
  const back = activations.relu.backward;
  for (let i = 0; i < len; i++) out[i] = back(dy[i], y[i]);
};
export type ReluBackwardFn = ActivationBackwardFn;
export const reluBackwardKernel = activationBackwardKernel('reluBackward', 1, reluBackwardReference);
export const reluBackward = dispatcher(reluBackwardKernel);
