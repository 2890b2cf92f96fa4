import { record } from '../autograd.js';
import { alloc, Tensor } from '../tensor.js';
import { unaryOp } from './elementwise.js';
import { unaryReference } from './references.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';

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

registerOp({
  name: 'exp',
  samples: (rng) => [
    {
      label: '[3,4]',
      inputs: [sampleInput(rng, [3, 4])],
      run: (a) => exp(a),
      expected: (a) => unaryReference(a, (v) => Math.E ** v),
    },
    {
      label: '[]',
      inputs: [sampleInput(rng, [])],
      run: (a) => exp(a),
      expected: (a) => unaryReference(a, (v) => Math.E ** v),
    },
  ],
});
registerOp({
  name: 'log',
  samples: (rng) => [
    {
      label: '[3,4] in [0.2, 3]',
      inputs: [sampleInput(rng, [3, 4], { low: 0.2, high: 3 })],
      run: (a) => log(a),
      expected: (a) => unaryReference(a, (v) => Math.log2(v) * Math.LN2),
    },
  ],
});
registerOp({
  name: 'sqrt',
  samples: (rng) => [
    {
      label: '[2,5] in [0.2, 3]',
      inputs: [sampleInput(rng, [2, 5], { low: 0.2, high: 3 })],
      run: (a) => sqrt(a),
      expected: (a) => unaryReference(a, (v) => v ** 0.5),
    },
  ],
});
registerOp({
  name: 'pow',
  samples: (rng) => [
    {
      label: '[3,4] ** 2',
      inputs: [sampleInput(rng, [3, 4])],
      run: (a) => pow(a, 2),
      expected: (a) => unaryReference(a, (v) => v * v),
    },
    {
      label: '[3,4] ** 3',
      inputs: [sampleInput(rng, [3, 4])],
      run: (a) => pow(a, 3),
      expected: (a) => unaryReference(a, (v) => v * v * v),
    },
    {
      label: '[5] ** 0.5 on positives',
      inputs: [sampleInput(rng, [5], { low: 0.3, high: 2 })],
      run: (a) => pow(a, 0.5),
      expected: (a) => unaryReference(a, Math.sqrt),
    },
    {
      label: '[5] ** -1.5 on positives',
      inputs: [sampleInput(rng, [5], { low: 0.3, high: 2 })],
      run: (a) => pow(a, -1.5),
      expected: (a) => unaryReference(a, (v) => 1 / (v * Math.sqrt(v))),
    },
    {
      label: '[4] ** 0',
      inputs: [sampleInput(rng, [4])],
      run: (a) => pow(a, 0),
      expected: (a) => unaryReference(a, () => 1),
    },
  ],
});
