import { fresh, record } from '../autograd.js';
import { recycle, scratch } from '../buffer-pool.js';
import { activations } from '../kernels/js/activations.js';
import {
  columnSums,
  denseDropoutForward,
  denseForward,
  dropoutBackward,
  gemm,
  reluBackward,
  reluDropoutBackward,
  sigmoidBackward,
} from '../kernels/registry.js';
import { ACTIVATIONS, type Activation } from '../kernels/types.js';
import { Generator } from '../random.js';
import { type FloatArray, formatShape, Tensor } from '../tensor.js';
import {
  advanceDropout,
  type DropoutOptions,
  drawDropout,
  dropoutActive,
  dropoutReference,
} from './dropout.js';
import { checkSameDtype } from './elementwise.js';
import { closedForms, matmulReference, type Reference } from './references.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';

export type { Activation };

/**
 * The fused layer h = act(x W + b): one kernel call forward (gemm, bias and activation together),
 * and a backward that gets the activation's derivative from the saved output, so no pre-activation
 * tensor is kept. Mathematically the same as activation(add(matmul(x, w), b)).
 */
export function dense(x: Tensor, w: Tensor, b: Tensor | null, activation: Activation = 'linear'): Tensor {
  const [m, k, n] = checkDense('dense', x, w, b, activation);
  // denseForward writes every element (act(x W + b), the product taken with beta 0): scratch will do.
  const od = scratch(x.dtype, m * n);
  denseForward(m, n, k, x.data, w.data, b === null ? null : b.data, activation, od);
  const out = new Tensor(od, [m, n]);
  const inputs = b === null ? [x, w] : [x, w, b];
  return record('dense', out, inputs, (g, owned) => {
    const dz = activationGrad(activation, g, od, inPlace(g, od, owned));
    const grads = denseInputGrads(x, w, b, dz, null);
    if (dz !== g) recycle(dz); // the derivative's own array, used up
    return grads;
  });
}

/**
 * dropout(dense(x, w, b, activation), rate, options): a dense layer and the inverted dropout after
 * it (what Sequential runs for a Dense followed by a Dropout while training), as one op. For ReLU
 * the product applies the dropout in its epilogue and the backward takes dropout's, ReLU's and the
 * bias gradient in one pass from the output alone (reluDenseDropout); other activations keep the
 * mask and the output before dropout. The mask is drawn as dropout draws it, and values and
 * gradients are those of the two ops, bit for bit, except that a dropped unit's gradient is
 * always +0 under ReLU (the two ops give dy * 0: -0 for a negative dy, NaN for an infinite one).
 */
export function denseDropout(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  activation: Activation,
  rate: number,
  options: DropoutOptions = {},
): Tensor {
  const [m, k, n] = checkDense('denseDropout', x, w, b, activation);
  if (!dropoutActive('denseDropout', rate, options)) return dense(x, w, b, activation);
  if (activation === 'relu') return reluDenseDropout(x, w, b, [m, k, n], rate, options);
  // The layer's output before dropout: kept for the activation's derivative, not a tensor.
  const y = scratch(x.dtype, m * n);
  denseForward(m, n, k, x.data, w.data, b === null ? null : b.data, activation, y);
  const { out: od, mask } = drawDropout(x.dtype, y, rate, options);
  const out = record(
    'denseDropout',
    new Tensor(od, [m, n]),
    b === null ? [x, w] : [x, w, b],
    (g, owned) => {
      const gm = inPlace(g, od, owned) ? g : scratch(x.dtype, m * n);
      dropoutBackward(m * n, g, mask, gm);
      // gm is this op's own array (or the tape's, lent to it): the derivative may overwrite it.
      const dz = activationGrad(activation, gm, y, true);
      const grads = denseInputGrads(x, w, b, dz, null);
      if (dz !== g) recycle(dz);
      return grads;
    },
    () => {
      recycle(mask);
      recycle(y);
    },
  );
  if (!out.requiresGrad) {
    recycle(mask);
    recycle(y);
  }
  return out;
}

/**
 * denseDropout for ReLU: the product applies dropout in its epilogue (denseDropoutForward), so the
 * layer's output is written once and neither a mask nor the output before dropout is kept; the
 * backward needs only that output (reluDropoutBackward: where it is > 0 the unit was kept and its
 * ReLU positive, elsewhere the gradient is 0).
 */
function reluDenseDropout(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  [m, k, n]: number[],
  rate: number,
  options: DropoutOptions,
): Tensor {
  const od = scratch(x.dtype, m * n);
  advanceDropout(options, (state) =>
    denseDropoutForward(m, n, k, x.data, w.data, b === null ? null : b.data, 'relu', rate, state, od),
  );
  return record('denseDropout', new Tensor(od, [m, n]), b === null ? [x, w] : [x, w, b], (g, owned) => {
    const dz = inPlace(g, od, owned) ? g : scratch(x.dtype, m * n);
    const gb = b === null ? null : fresh(scratch(b.dtype, n));
    reluDropoutBackward(m, n, rate, g, od, dz, gb);
    const grads = denseInputGrads(x, w, b, dz, gb);
    if (dz !== g) recycle(dz);
    return grads;
  });
}

/** Checks dense's arguments (for `op`); returns [m, k, n] of the product x W. */
function checkDense(op: string, x: Tensor, w: Tensor, b: Tensor | null, activation: Activation): number[] {
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(`${op}: unknown activation '${activation}'; use one of ${ACTIVATIONS.join(', ')}`);
  }
  if (x.ndim !== 2 || w.ndim !== 2) {
    throw new Error(
      `${op}: input and kernel must be 2-D, got ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
    );
  }
  const [m, k] = x.shape;
  const [kw, n] = w.shape;
  if (k !== kw)
    throw new Error(`${op}: inner dimensions differ: ${formatShape(x.shape)} x ${formatShape(w.shape)}`);
  checkSameDtype(op, x, w);
  if (b !== null) {
    checkSameDtype(op, x, b);
    if (b.ndim !== 1 || b.shape[0] !== n) {
      throw new Error(
        `${op}: bias must have shape [${n}] for kernel ${formatShape(w.shape)}, got ${formatShape(b.shape)}`,
      );
    }
  }
  return [m, k, n];
}

/**
 * The gradients of x, W and b from dz = dL/d(x W + b); gb when the caller already has the bias
 * gradient (null: column sums of dz here). gemm with beta 0 and columnSums overwrite their
 * outputs: scratch arrays, handed to the tape.
 */
function denseInputGrads(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  dz: FloatArray,
  gb: FloatArray | null,
): Array<FloatArray | null> {
  const [m, k] = x.shape;
  const n = w.shape[1];
  const gx = x.requiresGrad ? fresh(scratch(x.dtype, x.size)) : null;
  if (gx) gemm(false, true, m, k, n, 1, dz, w.data, 0, gx);
  const gw = w.requiresGrad ? fresh(scratch(w.dtype, w.size)) : null;
  if (gw) gemm(true, false, k, n, m, 1, x.data, dz, 0, gw);
  if (b === null) return [gx, gw];
  if (gb === null) {
    gb = fresh(scratch(b.dtype, n));
    columnSums(m, n, dz, gb); // the bias gradient: dz summed over the batch rows
  }
  return [gx, gw, gb];
}

/**
 * The incoming gradient may take the backward's derivative in place: the tape lent it (owned) and
 * it has the output's dtype. A cold array written in place costs one pass over memory less than a
 * new one (on a 2-core Xeon, a 256 x 1024 ReLU-dropout backward took 250 us in place and 480 us
 * into a separate array, both out of cache).
 */
function inPlace(g: FloatArray, out: FloatArray, owned: boolean): boolean {
  return owned && g instanceof Float64Array === out instanceof Float64Array;
}

/**
 * dL/dz from dL/dh and h = act(z). ReLU's (derivative at 0 taken as 0) and the sigmoid's run
 * through the kernel dispatcher (a provider's kernel or the TypeScript reference); tanh has no kernel.
 * With `overwrite` the derivative is written over g (each element read before it is written).
 */
function activationGrad(
  activation: Activation,
  g: FloatArray,
  out: FloatArray,
  overwrite: boolean,
): FloatArray {
  if (activation === 'linear') return g;
  const dz = overwrite ? g : scratch(out instanceof Float64Array ? 'float64' : 'float32', g.length);
  if (activation === 'relu') reluBackward(g.length, g, out, dz);
  else if (activation === 'sigmoid') sigmoidBackward(g.length, g, out, dz);
  else {
    const back = activations[activation].backward;
    for (let i = 0; i < g.length; i++) dz[i] = back(g[i], out[i]);
  }
  return dz;
}

/** act(x W + b) from the definitions. */
function denseReference(x: Tensor, w: Tensor, b: Tensor | null, activation: Activation): Reference {
  const z = matmulReference(x, w);
  const n = z.shape[1];
  for (let i = 0; i < z.data.length; i++)
    z.data[i] = closedForms[activation](z.data[i] + (b ? b.data[i % n] : 0));
  return z;
}

registerOp({
  name: 'denseDropout',
  // Each run draws the mask from a generator seeded there, the same mask on every call (as
  // dropout's samples): ReLU with a bias takes the one-pass backward, the others the general one.
  samples: (rng) =>
    (
      [
        ['relu', true, 0.5],
        ['relu', false, 0.3],
        ['sigmoid', true, 0.5],
        ['tanh', true, 0.2],
        ['linear', true, 0.5],
      ] as const
    ).map(([act, bias, rate], i) => {
      const seed = 11 + i;
      const inputs = [sampleInput(rng, [6, 3]), sampleInput(rng, [3, 5])];
      if (bias) inputs.push(sampleInput(rng, [5], { awayFromZero: 0.2 }));
      return {
        label: `[6,3] x [3,5]${bias ? ' + [5]' : ''}, ${act}, rate ${rate}, fixed mask`,
        inputs,
        run: (x: Tensor, w: Tensor, b?: Tensor) =>
          denseDropout(x, w, b ?? null, act, rate, { generator: new Generator(seed) }),
        expected: (x: Tensor, w: Tensor, b?: Tensor) =>
          dropoutReference(denseReference(x, w, b ?? null, act), rate, seed),
      };
    }),
});

registerOp({
  name: 'dense',
  samples: (rng) => [
    ...ACTIVATIONS.map((act) => ({
      label: `[4,3] x [3,5] + [5], ${act}`,
      // ReLU samples keep the pre-activations away from 0 by using a large bias spread.
      inputs: [
        sampleInput(rng, [4, 3]),
        sampleInput(rng, [3, 5]),
        sampleInput(rng, [5], { awayFromZero: 0.2 }),
      ],
      run: (x: Tensor, w: Tensor, b: Tensor) => dense(x, w, b, act),
      expected: (x: Tensor, w: Tensor, b: Tensor) => denseReference(x, w, b, act),
    })),
    {
      label: '[2,3] x [3,4], no bias, tanh',
      inputs: [sampleInput(rng, [2, 3]), sampleInput(rng, [3, 4])],
      run: (x: Tensor, w: Tensor) => dense(x, w, null, 'tanh'),
      expected: (x: Tensor, w: Tensor) => denseReference(x, w, null, 'tanh'),
    },
  ],
});
