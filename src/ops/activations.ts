import { activations } from '../kernels/js/activations.js';
import { checkOptions, knownOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { unaryOp } from './elementwise.js';
import { normalCdf, normalPdf } from './erf.js';
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

/** Keras's default slope of leaky_relu as an activation (the LeakyReLU layer's default is 0.3). */
export const LEAKY_RELU_SLOPE = 0.2;

/**
 * x for x > 0, alpha * x otherwise (Keras's leaky_relu, default alpha 0.2). The derivative at
 * exactly 0 is alpha, as TensorFlow's LeakyReluGrad takes it.
 */
export function leakyRelu(x: Tensor, alpha = LEAKY_RELU_SLOPE): Tensor {
  if (!Number.isFinite(alpha)) throw new Error(`leakyRelu: alpha must be a finite number, got ${alpha}`);
  return unaryOp(
    'leakyRelu',
    x,
    (v) => (v > 0 ? v : alpha * v),
    (g, _out, v) => (v > 0 ? g : alpha * g),
  );
}

/**
 * x for x > 0, alpha (e^x - 1) otherwise (Keras's elu, default alpha 1). The derivative below 0,
 * alpha e^x, is read from the output as out + alpha; at exactly 0 it is 1, as TensorFlow's EluGrad
 * takes it.
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  if (!Number.isFinite(alpha)) throw new Error(`elu: alpha must be a finite number, got ${alpha}`);
  return unaryOp(
    'elu',
    x,
    (v) => (v > 0 ? v : alpha * Math.expm1(v)),
    (g, out, v) => (v >= 0 ? g : g * (out + alpha)),
  );
}

export interface GeluOptions {
  /** The tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Default false: exact. */
  approximate?: boolean;
}

const GELU_OPTIONS = knownOptions<GeluOptions>({ approximate: true });
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * The Gaussian error linear unit, x P(X <= x) for a standard normal X = 0.5 x (1 + erf(x / sqrt 2)),
 * exact by default as Keras's gelu activation (approximate = False) and TF.js's 'gelu'.
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const { approximate = false } = checkOptions('gelu', options, GELU_OPTIONS);
  if (approximate) {
    return unaryOp(
      'gelu',
      x,
      (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v))),
      (g, _out, v) => {
        const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
        const du = SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v * v);
        return g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
      },
    );
  }
  return unaryOp(
    'gelu',
    x,
    (v) => v * normalCdf(v),
    (g, _out, v) => g * (normalCdf(v) + v * normalPdf(v)),
  );
}

registerOp({
  name: 'leakyRelu',
  samples: (rng) => [
    elementwiseSample(rng, '[4,5] alpha 0.2', [4, 5], (a) => leakyRelu(a), closedForms.leakyRelu, {
      awayFromZero: 0.1,
    }),
    elementwiseSample(
      rng,
      '[6] alpha 0.3',
      [6],
      (a) => leakyRelu(a, 0.3),
      (v) => (v < 0 ? 0.3 * v : v),
      { awayFromZero: 0.1 },
    ),
  ],
});
registerOp({
  name: 'elu',
  samples: (rng) => [
    elementwiseSample(rng, '[4,5] alpha 1', [4, 5], (a) => elu(a), closedForms.elu, { awayFromZero: 0.1 }),
    elementwiseSample(
      rng,
      '[6] alpha 0.5',
      [6],
      (a) => elu(a, 0.5),
      (v) => (v < 0 ? 0.5 * (Math.exp(v) - 1) : v),
      { awayFromZero: 0.1 },
    ),
  ],
});
registerOp({
  name: 'gelu',
  samples: (rng) => [
    elementwiseSample(rng, '[4,5] exact', [4, 5], (a) => gelu(a), closedForms.gelu, { low: -3, high: 3 }),
    elementwiseSample(rng, '[7] exact, wide range', [7], (a) => gelu(a), closedForms.gelu, {
      low: -4,
      high: 4,
    }),
    elementwiseSample(
      rng,
      '[3,4] tanh approximation',
      [3, 4],
      (a) => gelu(a, { approximate: true }),
      closedForms.geluTanh,
      { low: -3, high: 3 },
    ),
  ],
});
