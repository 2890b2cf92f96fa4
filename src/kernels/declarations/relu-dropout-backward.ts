import { declareKernel, matrix, size, vector } from '../kernel.js';
import { dispatcher, type ProviderName } from '../table.js';
import type { FloatArray } from '../types.js';
import { columnSums, columnSumsReference } from './column-sums.js';
import { dropoutBackward, dropoutBackwardReference } from './dropout.js';
import { reluBackward, reluBackwardReference } from './relu-backward.js';

/**
 * The backward of dropout applied to a ReLU dense layer's output, with its bias gradient, in one
 * pass: out = dy * mask where y > 0, else 0, and sums[j] = the sum of column j of out. dy, mask,
 * y and out are m x n; y is the layer's output before dropout. Defined as dropoutBackward, then
 * reluBackward, then columnSums, so it gives their bits exactly.
 */
export function reluDropoutBackwardReference(
  m: number,
  n: number,
  dy: FloatArray,
  mask: FloatArray,
  y: FloatArray,
  out: FloatArray,
  sums: FloatArray,
): void {
  dropoutBackwardReference(m * n, dy, mask, out);
  reluBackwardReference(m * n, out, y, out);
  columnSumsReference(m, n, out, sums);
}

export type ReluDropoutBackwardFn = typeof reluDropoutBackwardReference;

export const reluDropoutBackwardKernel = declareKernel({
  name: 'reluDropoutBackward',
  args: [
    size('m'),
    size('n'),
    matrix('dy', 'm', 'n'),
    matrix('mask', 'm', 'n'),
    matrix('y', 'm', 'n'),
    matrix('out', 'm', 'n'),
    vector('sums', 'n'),
  ],
  dtypeFrom: 'out',
  work: { sizes: ['m', 'n'], scale: 3 },
  reference: reluDropoutBackwardReference,
});

/** The three kernels it fuses, on a provider without the fusion (gpu.js, Vulkan): they run there. */
function composed(provider: ProviderName): ReluDropoutBackwardFn {
  return (m, n, dy, mask, y, out, sums) => {
    dropoutBackward(m * n, dy, mask, out, provider);
    reluBackward(m * n, out, y, out, provider);
    columnSums(m, n, out, sums, provider);
  };
}

export const reluDropoutBackward = dispatcher(reluDropoutBackwardKernel, composed);
