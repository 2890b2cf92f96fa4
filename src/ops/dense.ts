import { fresh, record } from '../autograd.js';
import { recycle, scratch } from '../buffer-pool.js';
import { activations } from '../kernels/js/activations.js';
import { columnSums, denseForward, gemm, reluBackward, sigmoidBackward } from '../kernels/registry.js';
import { ACTIVATIONS, type Activation } from '../kernels/types.js';
import { type FloatArray, formatShape, Tensor } from '../tensor.js';
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
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(`dense: unknown activation '${activation}'; use one of ${ACTIVATIONS.join(', ')}`);
  }
  if (x.ndim !== 2 || w.ndim !== 2) {
    throw new Error(
      `dense: input and kernel must be 2-D, got ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
    );
  }
  const [m, k] = x.shape;
  const [kw, n] = w.shape;
  if (k !== kw)
    throw new Error(`dense: inner dimensions differ: ${formatShape(x.shape)} x ${formatShape(w.shape)}`);
  checkSameDtype('dense', x, w);
  if (b !== null) {
    checkSameDtype('dense', x, b);
    if (b.ndim !== 1 || b.shape[0] !== n) {
      throw new Error(
        `dense: bias must have shape [${n}] for kernel ${formatShape(w.shape)}, got ${formatShape(b.shape)}`,
      );
    }
  }
  // denseForward writes every element (act(x W + b), the product taken with beta 0): scratch will do.
  const od = scratch(x.dtype, m * n);
  denseForward(m, n, k, x.data, w.data, b === null ? null : b.data, activation, od);
  const out = new Tensor(od, [m, n]);
  const inputs = b === null ? [x, w] : [x, w, b];
  return record('dense', out, inputs, (g) => {
    const dz = activationGrad(activation, g, od);
    // gemm with beta 0 and columnSums overwrite their outputs: scratch arrays, handed to the tape.
    const gx = x.requiresGrad ? fresh(scratch(x.dtype, x.size)) : null;
    if (gx) gemm(false, true, m, k, n, 1, dz, w.data, 0, gx);
    const gw = w.requiresGrad ? fresh(scratch(w.dtype, w.size)) : null;
    if (gw) gemm(true, false, k, n, m, 1, x.data, dz, 0, gw);
    const gb = b === null ? null : fresh(scratch(b.dtype, n));
    if (gb) columnSums(m, n, dz, gb); // the bias gradient: dz summed over the batch rows
    if (dz !== g) recycle(dz); // the derivative's own array, used up
    return b === null ? [gx, gw] : [gx, gw, gb];
  });
}

/**
 * dL/dz from dL/dh and h = act(z). ReLU's (derivative at 0 taken as 0) and the sigmoid's run
 * through the kernel dispatcher (a provider's kernel or the TypeScript reference); tanh has no kernel.
 */
function activationGrad(activation: Activation, g: FloatArray, out: FloatArray): FloatArray {
  if (activation === 'linear') return g;
  const dz = scratch(out instanceof Float64Array ? 'float64' : 'float32', g.length);
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
