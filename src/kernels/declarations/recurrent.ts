import {
  type GruBackwardFn,
  type GruForwardFn,
  gruBackwardWith,
  gruForwardWith,
  type LstmBackwardFn,
  type LstmForwardFn,
  lstmBackwardWith,
  lstmForwardWith,
  type RnnBackwardFn,
  type RnnForwardFn,
  rnnBackwardWith,
  rnnForwardWith,
} from '../js/recurrent.js';
import {
  block,
  choice,
  declareKernel,
  flag,
  implement,
  type KernelImplementation,
  optionalBlock,
  size,
} from '../kernel.js';
import { dispatcher } from '../table.js';
import { ACTIVATIONS, RECURRENT_ACTIVATIONS } from '../types.js';
import { type GemmFn, naiveGemm } from './gemm.js';

/**
 * The recurrent sequence kernels: SimpleRNN, GRU and LSTM, forward over all steps and
 * backpropagation through time (the algorithms and their layouts: js/recurrent.ts). The
 * references run on the reference gemm; a provider runs the same loops on its own products.
 * Operation counts are those of the recurrent products, which dominate.
 */

export type { GruBackwardFn, GruForwardFn, LstmBackwardFn, LstmForwardFn, RnnBackwardFn, RnnForwardFn };

const steps = [size('batch'), size('steps'), size('units')] as const;
const seq = (name: string, factor = 1) => block(name, ['batch', 'steps', 'units'], factor);
const state = (name: string) => optionalBlock(name, ['batch', 'units']);
const mask = optionalBlock('mask', ['batch', 'steps']);
const activation = choice('activation', ACTIVATIONS);
const recurrentActivation = choice('recurrentActivation', RECURRENT_ACTIVATIONS);

export const rnnForwardReference: RnnForwardFn = rnnForwardWith(naiveGemm);
export const rnnForwardKernel = declareKernel({
  name: 'rnnForward',
  args: [...steps, activation, seq('xp'), block('u', ['units', 'units']), mask, state('h0'), seq('hs')],
  dtypeFrom: 'hs',
  work: { sizes: ['batch', 'steps', 'units', 'units'], scale: 2 },
  reference: rnnForwardReference,
});
/** SimpleRNN over all steps: hs from xp = x W + b (see js/recurrent.ts). */
export const rnnForward = dispatcher(rnnForwardKernel);

export const rnnBackwardReference: RnnBackwardFn = rnnBackwardWith(naiveGemm);
export const rnnBackwardKernel = declareKernel({
  name: 'rnnBackward',
  args: [
    ...steps,
    activation,
    block('u', ['units', 'units']),
    mask,
    state('h0'),
    seq('hs'),
    seq('dhs'),
    seq('dxp'),
    block('du', ['units', 'units']),
    state('dh0'),
  ],
  dtypeFrom: 'hs',
  work: { sizes: ['batch', 'steps', 'units', 'units'], scale: 4 },
  reference: rnnBackwardReference,
});
/** SimpleRNN backpropagation through time: dxp, du and dh0 from the outputs' gradients dhs. */
export const rnnBackward = dispatcher(rnnBackwardKernel);

export const gruForwardReference: GruForwardFn = gruForwardWith(naiveGemm);
export const gruForwardKernel = declareKernel({
  name: 'gruForward',
  args: [
    ...steps,
    flag('resetAfter'),
    recurrentActivation,
    activation,
    seq('xp', 3),
    block('u', ['units', 'units'], 3),
    optionalBlock('ub', ['units'], 3),
    mask,
    state('h0'),
    seq('hs'),
    seq('cache', 4),
  ],
  dtypeFrom: 'hs',
  work: { sizes: ['batch', 'steps', 'units', 'units'], scale: 6 },
  reference: gruForwardReference,
});
/** GRU over all steps: hs and the gates' cache from xp = x W + b_in (see js/recurrent.ts). */
export const gruForward = dispatcher(gruForwardKernel);

export const gruBackwardReference: GruBackwardFn = gruBackwardWith(naiveGemm);
export const gruBackwardKernel = declareKernel({
  name: 'gruBackward',
  args: [
    ...steps,
    flag('resetAfter'),
    recurrentActivation,
    activation,
    block('u', ['units', 'units'], 3),
    mask,
    state('h0'),
    seq('hs'),
    seq('cache', 4),
    seq('dhs'),
    seq('dxp', 3),
    block('du', ['units', 'units'], 3),
    optionalBlock('dub', ['units'], 3),
    state('dh0'),
  ],
  dtypeFrom: 'hs',
  work: { sizes: ['batch', 'steps', 'units', 'units'], scale: 12 },
  reference: gruBackwardReference,
});
/** GRU backpropagation through time: dxp, du, dub and dh0 from the outputs' gradients dhs. */
export const gruBackward = dispatcher(gruBackwardKernel);

export const lstmForwardReference: LstmForwardFn = lstmForwardWith(naiveGemm);
export const lstmForwardKernel = declareKernel({
  name: 'lstmForward',
  args: [
    ...steps,
    recurrentActivation,
    activation,
    seq('xp', 4),
    block('u', ['units', 'units'], 4),
    mask,
    state('h0'),
    state('c0'),
    seq('hs'),
    seq('cs'),
    seq('cache', 4),
  ],
  dtypeFrom: 'hs',
  work: { sizes: ['batch', 'steps', 'units', 'units'], scale: 8 },
  reference: lstmForwardReference,
});
/** LSTM over all steps: hs, the cell states cs and the gates' cache from xp = x W + b. */
export const lstmForward = dispatcher(lstmForwardKernel);

export const lstmBackwardReference: LstmBackwardFn = lstmBackwardWith(naiveGemm);
export const lstmBackwardKernel = declareKernel({
  name: 'lstmBackward',
  args: [
    ...steps,
    recurrentActivation,
    activation,
    block('u', ['units', 'units'], 4),
    mask,
    state('h0'),
    state('c0'),
    seq('hs'),
    seq('cs'),
    seq('cache', 4),
    seq('dhs'),
    seq('dxp', 4),
    block('du', ['units', 'units'], 4),
    state('dh0'),
    state('dc0'),
  ],
  dtypeFrom: 'hs',
  work: { sizes: ['batch', 'steps', 'units', 'units'], scale: 16 },
  reference: lstmBackwardReference,
});
/** LSTM backpropagation through time: dxp, du, dh0 and dc0 from the outputs' gradients dhs. */
export const lstmBackward = dispatcher(lstmBackwardKernel);

/** A provider's implementations of the six recurrent kernels: the same loops on its own gemm. */
export function recurrentKernelsOn(gemm: GemmFn): KernelImplementation[] {
  return [
    implement(rnnForwardKernel, rnnForwardWith(gemm)),
    implement(rnnBackwardKernel, rnnBackwardWith(gemm)),
    implement(gruForwardKernel, gruForwardWith(gemm)),
    implement(gruBackwardKernel, gruBackwardWith(gemm)),
    implement(lstmForwardKernel, lstmForwardWith(gemm)),
    implement(lstmBackwardKernel, lstmBackwardWith(gemm)),
  ];
}
