import type { KernelProvider } from '../table.js';

/**
 * The references as a provider: it implements nothing itself, so every kernel runs its TypeScript
 * reference (the gemm a triple loop with float64 accumulation). The fastest choice for the
 * tiniest calls, and the yardstick of every other provider.
 */
export const naiveProvider: KernelProvider = {
  name: 'js-naive',
  dtypes: ['float32', 'float64'],
  kernels: [],
  describe: () => 'TypeScript references (gemm: triple loop with float64 accumulation)',
};
