import { applyBiasActivation } from '../js/activations.js';
import { choice, declareKernel, matrix, optionalVector, size } from '../kernel.js';
import { dispatcher } from '../table.js';
import { ACTIVATIONS, type Activation, type FloatArray } from '../types.js';
import { naiveGemm } from './gemm.js';

/**
 * Fused dense forward: out = act(x * W + bias), x m x k, W k x n, bias n (or null), out m x n.
 * The reference is the reference gemm followed by the TypeScript epilogue.
 */
export function denseForwardReference(
  m: number,
  n: number,
  k: number,
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  activation: Activation,
  out: FloatArray,
): void {
  naiveGemm(false, false, m, n, k, 1, x, w, 0, out);
  applyBiasActivation(m, n, bias, activation, out);
}

export type DenseForwardFn = typeof denseForwardReference;

/** A dense layer's arguments before its output: sizes, input, kernel, bias and activation. */
export const denseLayerArgs = [
  size('m'),
  size('n'),
  size('k'),
  matrix('x', 'm', 'k'),
  matrix('w', 'k', 'n'),
  optionalVector('bias', 'n'),
  choice('activation', ACTIVATIONS),
] as const;

export const denseForwardKernel = declareKernel({
  name: 'denseForward',
  args: [...denseLayerArgs, matrix('out', 'm', 'n')],
  dtypeFrom: 'out',
  work: { sizes: ['m', 'n', 'k'], scale: 2 },
  reference: denseForwardReference,
});

/** out = act(x W + bias) on the chosen provider. */
export const denseForward = dispatcher(denseForwardKernel);
