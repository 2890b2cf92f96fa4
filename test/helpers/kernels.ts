import {
  adamUpdateKernel,
  addIntoKernel,
  columnSumsKernel,
  denseDropoutForwardKernel,
  denseForwardKernel,
  dropoutBackwardKernel,
  dropoutForwardKernel,
  gemmKernel,
  implementationOf,
  type KernelProvider,
  reluBackwardKernel,
  reluDropoutBackwardKernel,
  sigmoidBackwardKernel,
} from '../../src/kernels/index.js';

/**
 * What a provider runs for each kernel, called directly: no argument checks and no selection, so
 * a test sees the provider's own errors and results (its implementation, or the reference).
 */
export function kernelsOf(provider: KernelProvider) {
  return {
    gemm: implementationOf(provider, gemmKernel),
    denseForward: implementationOf(provider, denseForwardKernel),
    denseDropoutForward: implementationOf(provider, denseDropoutForwardKernel),
    reluBackward: implementationOf(provider, reluBackwardKernel),
    sigmoidBackward: implementationOf(provider, sigmoidBackwardKernel),
    columnSums: implementationOf(provider, columnSumsKernel),
    adamUpdate: implementationOf(provider, adamUpdateKernel),
    addInto: implementationOf(provider, addIntoKernel),
    dropoutForward: implementationOf(provider, dropoutForwardKernel),
    dropoutBackward: implementationOf(provider, dropoutBackwardKernel),
    reluDropoutBackward: implementationOf(provider, reluDropoutBackwardKernel),
  };
}
