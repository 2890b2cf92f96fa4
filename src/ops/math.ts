import { record } from '../autograd.js';
import { alloc, Tensor } from '../tensor.js';
import { unaryOp } from './elementwise.js';
import { registerOp } from './registry.js';
import { elementwiseSample } from './samples.js';

export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x, Math.exp, (g, out) => g * out);
}

/** Natural log; log of a non-positive value gives -Infinity or NaN, as in NumPy. */
export function log(x: Tensor): Tensor {
  return unaryOp('log', x, Math.log, (g, _out, v) => g * (1 / v));
}

export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', x, Math.sqrt, (g, out) => g * (0.5 / out));
}

/** x ** exponent for a number exponent. */
export function pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== 'number' || Number.isNaN(exponent)) {
    throw new Error(`pow: the exponent must be a number, got ${String(exponent)}`);
  }
  if (exponent === 2) {
    // Squares are everywhere (MSE, L2): skip Math.pow.
    const xd = x.data;
    const od = alloc(x.dtype, xd.length);
    for (let i = 0; i < xd.length; i++) od[i] = xd[i] * xd[i];
    return record('pow', new Tensor(od, x.shape), [x], (g) => {
      const gx = alloc(x.dtype, g.length);
      for (let i = 0; i < g.length; i++) gx[i] = 2 * xd[i] * g[i];
      return [gx];
    });
  }
  return unaryOp(
    'pow',
    x,
    (v) => v ** exponent,
    (g, _out, v) => g * (exponent === 0 ? 0 : exponent * v ** (exponent - 1)),
  );
}

const inRange = { low: 0.2, high: 3 };
const positives = { low: 0.3, high: 2 };
registerOp({
  name: 'exp',
  samples: (rng) => [
    elementwiseSample(rng, '[3,4]', [3, 4], exp, (v) => Math.E ** v),
    elementwiseSample(rng, '[]', [], exp, (v) => Math.E ** v),
  ],
});
registerOp({
  name: 'log',
  samples: (rng) => [
    elementwiseSample(rng, '[3,4] in [0.2, 3]', [3, 4], log, (v) => Math.log2(v) * Math.LN2, inRange),
  ],
});
registerOp({
  name: 'sqrt',
  samples: (rng) => [elementwiseSample(rng, '[2,5] in [0.2, 3]', [2, 5], sqrt, (v) => v ** 0.5, inRange)],
});
registerOp({
  name: 'pow',
  samples: (rng) => [
    elementwiseSample(
      rng,
      '[3,4] ** 2',
      [3, 4],
      (a) => pow(a, 2),
      (v) => v * v,
    ),
    elementwiseSample(
      rng,
      '[3,4] ** 3',
      [3, 4],
      (a) => pow(a, 3),
      (v) => v * v * v,
    ),
    elementwiseSample(rng, '[5] ** 0.5 on positives', [5], (a) => pow(a, 0.5), Math.sqrt, positives),
    elementwiseSample(
      rng,
      '[5] ** -1.5 on positives',
      [5],
      (a) => pow(a, -1.5),
      (v) => 1 / (v * Math.sqrt(v)),
      positives,
    ),
    elementwiseSample(
      rng,
      '[4] ** 0',
      [4],
      (a) => pow(a, 0),
      () => 1,
    ),
  ],
});
