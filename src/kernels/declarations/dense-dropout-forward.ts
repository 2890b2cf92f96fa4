import { declareKernel, matrix, record, scalar } from '../kernel.js';
import { dispatcher, type ProviderName } from '../table.js';
import type { Activation, FloatArray } from '../types.js';
import { denseForward, denseForwardReference, denseLayerArgs } from './dense-forward.js';
import { checkedRate, checkState, dropoutDraw } from './dropout.js';

/**
 * A dense layer's training forward with its dropout: out = dropout(act(x W + bias), rate), x m x k,
 * W k x n, bias n (or null), out m x n, the dropout drawn as dropoutForward draws it (state
 * advanced by m * n; element i of out dropped when the i-th draw is below rate * 2^32, kept ones
 * times 1 / (1 - rate) in double, rounded once) but with no mask written: a provider can apply the
 * decisions in its product's epilogue and write the layer's output once. Defined as denseForward,
 * then dropoutForward on its output.
 */
export function denseDropoutForwardReference(
  m: number,
  n: number,
  k: number,
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  activation: Activation,
  rate: number,
  state: Uint32Array,
  out: FloatArray,
): void {
  denseForwardReference(m, n, k, x, w, bias, activation, out);
  dropoutDraw(m * n, rate, state, out, out, null);
}

export type DenseDropoutForwardFn = typeof denseDropoutForwardReference;

export const denseDropoutForwardKernel = declareKernel({
  name: 'denseDropoutForward',
  args: [...denseLayerArgs, scalar('rate'), record('state', checkState), matrix('out', 'm', 'n')],
  dtypeFrom: 'out',
  work: { sizes: ['m', 'n', 'k'], scale: 2 },
  reference: denseDropoutForwardReference,
});

/** The provider's denseForward, then the draws and the scaling in TypeScript (gpu.js, Vulkan). */
function composed(provider: ProviderName): DenseDropoutForwardFn {
  return (m, n, k, x, w, bias, activation, rate, state, out) => {
    denseForward(m, n, k, x, w, bias, activation, out, provider);
    dropoutDraw(m * n, rate, state, out, out, null);
  };
}

const dispatched = dispatcher(denseDropoutForwardKernel, composed);

/** out = dropout(act(x W + bias), rate) on the chosen provider; a rate outside [0, 1) throws. */
export const denseDropoutForward: typeof dispatched = (
  m,
  n,
  k,
  x,
  w,
  bias,
  activation,
  rate,
  state,
  out,
  pick,
) => {
  checkedRate(rate, 'denseDropoutForward');
  dispatched(m, n, k, x, w, bias, activation, rate, state, out, pick);
};
