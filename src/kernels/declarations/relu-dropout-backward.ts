import { declareKernel, matrix, optionalVector, scalar, size } from '../kernel.js';
import { dispatcher, type ProviderName } from '../table.js';
import type { FloatArray } from '../types.js';
import { columnSums, columnSumsReference } from './column-sums.js';
import { checkedRate } from './dropout.js';
import { reluBackward } from './relu-backward.js';

/**
 * The backward of dropout applied to a ReLU layer's output, from that output alone, with the bias
 * gradient, in one pass: out = dy * scale where y > 0, else +0, and sums[j] (when sums is given) =
 * the sum of column j of out (added in double in row order, as columnSums). y is the dropout's
 * output (denseDropoutForward's), dy, y and out are m x n, and scale = 1 / (1 - rate), rounded to
 * out's dtype as dropoutForward's mask stores it: where y > 0 the unit was kept and its ReLU was
 * positive, so out is dropoutBackward's dy * mask there, bit for bit; everywhere else the gradient
 * is an exact +0 (a dropped unit's stays 0 even where dy is not finite).
 */
export function reluDropoutBackwardReference(
  m: number,
  n: number,
  rate: number,
  dy: FloatArray,
  y: FloatArray,
  out: FloatArray,
  sums: FloatArray | null,
): void {
  const scale = keptScale(rate, out);
  for (let i = 0; i < m * n; i++) out[i] = y[i] > 0 ? dy[i] * scale : 0;
  if (sums !== null) columnSumsReference(m, n, out, sums);
}

/** 1 / (1 - rate) as an element of out's dtype holds it (the value dropout's mask stores). */
function keptScale(rate: number, out: FloatArray): number {
  const scale = 1 / (1 - rate);
  return out instanceof Float32Array ? Math.fround(scale) : scale;
}

export type ReluDropoutBackwardFn = typeof reluDropoutBackwardReference;

export const reluDropoutBackwardKernel = declareKernel({
  name: 'reluDropoutBackward',
  args: [
    size('m'),
    size('n'),
    scalar('rate'),
    matrix('dy', 'm', 'n'),
    matrix('y', 'm', 'n'),
    matrix('out', 'm', 'n'),
    optionalVector('sums', 'n'),
  ],
  dtypeFrom: 'out',
  work: { sizes: ['m', 'n'], scale: 2 },
  reference: reluDropoutBackwardReference,
});

/**
 * On a provider without the fusion (gpu.js, Vulkan): its reluBackward (dy where y > 0, else +0),
 * the scaling in TypeScript (+0 times the scale stays +0) and its columnSums.
 */
function composed(provider: ProviderName): ReluDropoutBackwardFn {
  return (m, n, rate, dy, y, out, sums) => {
    reluBackward(m * n, dy, y, out, provider);
    const scale = keptScale(rate, out);
    for (let i = 0; i < m * n; i++) out[i] *= scale;
    if (sums !== null) columnSums(m, n, out, sums, provider);
  };
}

const dispatched = dispatcher(reluDropoutBackwardKernel, composed);

/** The fused backward (see reluDropoutBackwardReference); a rate outside [0, 1) throws. */
export const reluDropoutBackward: typeof dispatched = (m, n, rate, dy, y, out, sums, pick) => {
  checkedRate(rate, 'reluDropoutBackward');
  dispatched(m, n, rate, dy, y, out, sums, pick);
};
