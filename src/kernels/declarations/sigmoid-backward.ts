import { activations } from '../js/activations.js';
import { dispatcher } from '../table.js';
import { type ActivationBackwardFn, activationBackwardKernel } from './activation-backward.js';

/** out = dy * y * (1 - y): dL/dz of y = sigmoid(z), from dL/dy and the output y. */
export const sigmoidBackwardReference: ActivationBackwardFn = (len, dy, y, out) => {
  const back = activations.sigmoid.backward;
  for (let i = 0; i < len; i++) out[i] = back(dy[i], y[i]);
};
export type SigmoidBackwardFn = ActivationBackwardFn;
export const sigmoidBackwardKernel = activationBackwardKernel('sigmoidBackward', 3, sigmoidBackwardReference);
export const sigmoidBackward = dispatcher(sigmoidBackwardKernel);
