import { activations } from '../kernels/js/activations.js';
import type { Tensor } from '../tensor.js';
import { unaryOp } from './elementwise.js';
import { closedForms, unaryReference } from './references.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';

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
    {
      label: '[4,5] away from 0',
      inputs: [sampleInput(rng, [4, 5], { awayFromZero: 0.1 })],
      run: (a) => relu(a),
      expected: (a) => unaryReference(a, closedForms.relu),
    },
    {
      label: '[7]',
      inputs: [sampleInput(rng, [7], { awayFromZero: 0.1 })],
      run: (a) => relu(a),
      expected: (a) => unaryReference(a, closedForms.relu),
    },
  ],
});
registerOp({
  name: 'sigmoid',
  samples: (rng) => [
    {
      label: '[4,5]',
      inputs: [sampleInput(rng, [4, 5], { low: -6, high: 6 })],
      run: (a) => sigmoid(a),
      expected: (a) => unaryReference(a, closedForms.sigmoid),
    },
    {
      label: '[]',
      inputs: [sampleInput(rng, [])],
      run: (a) => sigmoid(a),
      expected: (a) => unaryReference(a, closedForms.sigmoid),
    },
  ],
});
registerOp({
  name: 'tanh',
  samples: (rng) => [
    {
      label: '[3,6]',
      inputs: [sampleInput(rng, [3, 6], { low: -3, high: 3 })],
      run: (a) => tanh(a),
      expected: (a) => unaryReference(a, closedForms.tanh),
    },
  ],
});
