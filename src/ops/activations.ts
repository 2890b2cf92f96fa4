import { activations } from '../kernels/js/activations.js';
import type { Tensor } from '../tensor.js';
import { unaryOp } from './elementwise.js';
import { closedForms } from './references.js';
import { registerOp } from './registry.js';
import { elementwiseSample } from './samples.js';

/** max(x, 0); its derivative at exactly 0 is taken as 0. */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x, activations.relu.forward, activations.relu.backward);
}

/** 1 / (1 + e^-x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x, activations.sigmoid.forward, activations.sigmoid.backward);
}

export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x, activations.tanh.forward, activations.tanh.backward);
}

registerOp({
  name: 'relu',
  // Values kept 0.1 away from the kink, where central differences would straddle it.
  samples: (rng) => [
    elementwiseSample(rng, '[4,5] away from 0', [4, 5], relu, closedForms.relu, { awayFromZero: 0.1 }),
    elementwiseSample(rng, '[7]', [7], relu, closedForms.relu, { awayFromZero: 0.1 }),
  ],
});
registerOp({
  name: 'sigmoid',
  samples: (rng) => [
    elementwiseSample(rng, '[4,5]', [4, 5], sigmoid, closedForms.sigmoid, { low: -6, high: 6 }),
    elementwiseSample(rng, '[]', [], sigmoid, closedForms.sigmoid),
  ],
});
registerOp({
  name: 'tanh',
  samples: (rng) => [elementwiseSample(rng, '[3,6]', [3, 6], tanh, closedForms.tanh, { low: -3, high: 3 })],
});
