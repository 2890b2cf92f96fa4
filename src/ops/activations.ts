import type { Tensor } from '../tensor.js';
import { unaryOp } from './elementwise.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';

/** max(x, 0); its derivative at exactly 0 is taken as 0. */
export function relu(x: Tensor): Tensor {
  return unaryOp(
    'relu',
    x,
    (v) => (v > 0 ? v : 0),
    (v) => (v > 0 ? 1 : 0),
  );
}

/** 1 / (1 + e^-x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x, stableSigmoid, (_v, s) => s * (1 - s));
}

export function stableSigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x, Math.tanh, (_v, t) => 1 - t * t);
}

registerOp({
  name: 'relu',
  // Values kept 0.1 away from the kink, where central differences would straddle it.
  samples: (rng) => [
    {
      label: '[4,5] away from 0',
      inputs: [sampleInput(rng, [4, 5], { awayFromZero: 0.1 })],
      run: (a) => relu(a),
    },
    { label: '[7]', inputs: [sampleInput(rng, [7], { awayFromZero: 0.1 })], run: (a) => relu(a) },
  ],
});
registerOp({
  name: 'sigmoid',
  samples: (rng) => [
    { label: '[4,5]', inputs: [sampleInput(rng, [4, 5], { low: -6, high: 6 })], run: (a) => sigmoid(a) },
    { label: '[]', inputs: [sampleInput(rng, [])], run: (a) => sigmoid(a) },
  ],
});
registerOp({
  name: 'tanh',
  samples: (rng) => [
    { label: '[3,6]', inputs: [sampleInput(rng, [3, 6], { low: -3, high: 3 })], run: (a) => tanh(a) },
  ],
});
