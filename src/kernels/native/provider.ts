import { type AdamUpdateFn, adamStepSize, adamUpdateKernel } from '../declarations/adam-update.js';
import { type AddIntoFn, addIntoKernel, addIntoReference } from '../declarations/add-into.js';
import { type ColumnSumsFn, columnSumsKernel } from '../declarations/column-sums.js';
import {
  type DenseDropoutForwardFn,
  denseDropoutForwardKernel,
  denseDropoutForwardReference,
} from '../declarations/dense-dropout-forward.js';
import { type DenseForwardFn, denseForwardKernel } from '../declarations/dense-forward.js';
import {
  type DropoutBackwardFn,
  type DropoutForwardFn,
  dropoutBackwardKernel,
  dropoutBackwardReference,
  dropoutForwardKernel,
  dropoutForwardReference,
} from '../declarations/dropout.js';
import { gatherRowsKernel } from '../declarations/gather-rows.js';
import { type GemmFn, gemmKernel } from '../declarations/gemm.js';
import {
  type QuantizeActivationsFn,
  type QuantizedDenseFn,
  quantizeActivationsKernel,
  quantizeActivationsReference,
  quantizedDenseKernel,
  quantizedDensePackedKernel,
  quantizedDensePackedReference,
  quantizedDenseReference,
} from '../declarations/quantized.js';
import {
  type GruBackwardFn,
  type GruForwardFn,
  gruBackwardKernel,
  gruForwardKernel,
  type LstmBackwardFn,
  type LstmForwardFn,
  lstmBackwardKernel,
  lstmForwardKernel,
  type RnnBackwardFn,
  type RnnForwardFn,
  rnnBackwardKernel,
  rnnForwardKernel,
} from '../declarations/recurrent.js';
import { type ReluBackwardFn, reluBackwardKernel } from '../declarations/relu-backward.js';
import {
  type ReluDropoutBackwardFn,
  reluDropoutBackwardKernel,
  reluDropoutBackwardReference,
} from '../declarations/relu-dropout-backward.js';
import { type SigmoidBackwardFn, sigmoidBackwardKernel } from '../declarations/sigmoid-backward.js';
import { applyBiasActivation } from '../js/activations.js';
import {
  gruBackwardWith,
  gruForwardWith,
  lstmBackwardWith,
  lstmForwardWith,
  activationCode as recurrentCode,
  rnnBackwardWith,
  rnnForwardWith,
} from '../js/recurrent.js';
import { implement, type KernelImplementation } from '../kernel.js';
import type { KernelProvider } from '../table.js';
import type { Activation, FloatArray, RecurrentActivation } from '../types.js';
import { loadNativeAddon, type NativeAddon } from './addon.js';

/**
 * The native provider calls the addon's fast entries: about 2,000 fewer instructions per call than
 * handing N-API typed arrays, which matters for the dozens of small calls of a training step.
 * Anything a fast entry does not take (other argument types, bad sizes, short arrays) goes to the
 * checked entry, which throws the precise error.
 */

const activationCode: Record<Activation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

// Slots of the parameter blocks, as in native/addon.cc: status and element size first (FastSlot),
// then the kernel's own (GemmSlot, TrainSlot).
const STATUS = 0;
const DTYPE_BYTES = 1;
const G = {
  transA: 2,
  transB: 3,
  m: 4,
  n: 5,
  k: 6,
  alpha: 7,
  beta: 8,
  hasBias: 9,
  activation: 10,
  count: 11,
};
const T = { len: 2, n: 3, stepSize: 4, beta1: 5, beta2: 6, epsilon: 7, count: 8 };
const RD = { m: 2, n: 3, scale: 4, hasSums: 5, count: 6 };
/** denseDropoutForwardFast: the gemm slots, then dropout's. */
const DD = { cut: G.count, scale: G.count + 1, count: G.count + 2 };

/** Element size when every array given is a Float32Array, or every one a Float64Array, else 0. */
function dtypeBytes(first: unknown, b: unknown = first, c: unknown = first, d: unknown = first): number {
  if (first instanceof Float32Array) {
    return b instanceof Float32Array && c instanceof Float32Array && d instanceof Float32Array ? 4 : 0;
  }
  if (first instanceof Float64Array) {
    return b instanceof Float64Array && c instanceof Float64Array && d instanceof Float64Array ? 8 : 0;
  }
  return 0;
}

/** Readies a parameter block for a fast call; the entry sets the status to 0 once it has done it. */
function begin(params: Float64Array, bytes: number): Float64Array {
  params[STATUS] = 1;
  params[DTYPE_BYTES] = bytes;
  return params;
}

/**
 * The parameter block of a dense layer's forward (out = act(x W + bias): no transposes, alpha 1,
 * beta 0) for a fast entry, or null when the call is not one a fast entry takes (mixed or other
 * array types, an unknown activation, sizes that are not numbers).
 */
function denseFastSlots(
  params: Float64Array,
  m: number,
  n: number,
  k: number,
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  activation: Activation,
  out: FloatArray,
): Float64Array | null {
  const bytes = dtypeBytes(out, x, w, bias ?? out);
  const act = activationCode[activation];
  if (
    bytes === 0 ||
    act === undefined ||
    typeof m !== 'number' ||
    typeof n !== 'number' ||
    typeof k !== 'number'
  )
    return null;
  const p = begin(params, bytes);
  p[G.transA] = 0;
  p[G.transB] = 0;
  p[G.m] = m;
  p[G.n] = n;
  p[G.k] = k;
  p[G.alpha] = 1;
  p[G.beta] = 0;
  p[G.hasBias] = bias === null ? 0 : 1;
  p[G.activation] = act;
  return p;
}

function productKernels(addon: NativeAddon): {
  gemm: GemmFn;
  denseForward: DenseForwardFn;
  denseDropoutForward: DenseDropoutForwardFn;
} {
  const params = new Float64Array(G.count);
  const gemm: GemmFn = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    const bytes = dtypeBytes(c, a, b);
    if (
      bytes !== 0 &&
      typeof transA === 'boolean' &&
      typeof transB === 'boolean' &&
      typeof m === 'number' &&
      typeof n === 'number' &&
      typeof k === 'number' &&
      typeof alpha === 'number' &&
      typeof beta === 'number'
    ) {
      const p = begin(params, bytes);
      p[G.transA] = transA ? 1 : 0;
      p[G.transB] = transB ? 1 : 0;
      p[G.m] = m;
      p[G.n] = n;
      p[G.k] = k;
      p[G.alpha] = alpha;
      p[G.beta] = beta;
      p[G.hasBias] = 0;
      p[G.activation] = 0;
      addon.gemmFast(p, a, b, c, c);
      if (p[STATUS] === 0) return;
    }
    addon.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  };
  const denseForward: DenseForwardFn = (m, n, k, x, w, bias, activation, out) => {
    const p = denseFastSlots(params, m, n, k, x, w, bias, activation, out);
    if (p) {
      addon.gemmFast(p, x, w, out, bias ?? out);
      if (p[STATUS] === 0) return;
    }
    addon.denseForward(m, n, k, x, w, bias, activationCode[activation] ?? Number.NaN, out);
  };
  const ddParams = new Float64Array(DD.count);
  // No checked entry (as dropout's): a call the fast entry refuses runs the reference.
  const denseDropoutForward: DenseDropoutForwardFn = (m, n, k, x, w, bias, activation, rate, state, out) => {
    const p =
      typeof rate === 'number' ? denseFastSlots(ddParams, m, n, k, x, w, bias, activation, out) : null;
    if (p) {
      p[DD.cut] = rate * 4294967296;
      p[DD.scale] = 1 / (1 - rate);
      addon.denseDropoutForwardFast(p, x, w, out, bias ?? out, state);
      if (p[STATUS] === 0) return;
    }
    denseDropoutForwardReference(m, n, k, x, w, bias, activation, rate, state, out);
  };
  return { gemm, denseForward, denseDropoutForward };
}

/** An elementwise derivative (len, dy, y, out) through its fast entry, else its checked one. */
function elementwiseBackward(
  params: Float64Array,
  fast: (params: Float64Array, dy: unknown, y: unknown, out: unknown) => void,
  checked: ReluBackwardFn,
): ReluBackwardFn {
  return (len, dy, y, out) => {
    const bytes = dtypeBytes(out, dy, y);
    if (bytes !== 0 && typeof len === 'number') {
      const p = begin(params, bytes);
      p[T.len] = len;
      fast(p, dy, y, out);
      if (p[STATUS] === 0) return;
    }
    checked(len, dy, y, out);
  };
}

function trainingKernels(addon: NativeAddon): {
  reluBackward: ReluBackwardFn;
  sigmoidBackward: SigmoidBackwardFn;
  columnSums: ColumnSumsFn;
  adamUpdate: AdamUpdateFn;
  reluDropoutBackward: ReluDropoutBackwardFn;
} {
  const params = new Float64Array(T.count);
  const reluBackward = elementwiseBackward(params, addon.reluBackwardFast, addon.reluBackward);
  const sigmoidBackward = elementwiseBackward(params, addon.sigmoidBackwardFast, addon.sigmoidBackward);
  const columnSums: ColumnSumsFn = (m, n, x, out) => {
    const bytes = dtypeBytes(out, x);
    if (bytes !== 0 && typeof m === 'number' && typeof n === 'number') {
      const p = begin(params, bytes);
      p[T.len] = m;
      p[T.n] = n;
      addon.columnSumsFast(p, x, out);
      if (p[STATUS] === 0) return;
    }
    addon.columnSums(m, n, x, out);
  };
  const adamUpdate: AdamUpdateFn = (len, param, grad, m, v, hp) => {
    const stepSize = adamStepSize(hp);
    const bytes = dtypeBytes(param, grad, m, v);
    if (
      bytes !== 0 &&
      typeof len === 'number' &&
      typeof hp.beta1 === 'number' &&
      typeof hp.beta2 === 'number' &&
      typeof hp.epsilon === 'number'
    ) {
      const p = begin(params, bytes);
      p[T.len] = len;
      p[T.stepSize] = stepSize;
      p[T.beta1] = hp.beta1;
      p[T.beta2] = hp.beta2;
      p[T.epsilon] = hp.epsilon;
      addon.adamUpdateFast(p, param, grad, m, v);
      if (p[STATUS] === 0) return;
    }
    addon.adamUpdate(len, param, grad, m, v, stepSize, hp.beta1, hp.beta2, hp.epsilon);
  };
  // No checked entry (as dropout's): a call the fast entry refuses runs the reference.
  const rdParams = new Float64Array(RD.count);
  const reluDropoutBackward: ReluDropoutBackwardFn = (m, n, rate, dy, y, out, sums) => {
    const bytes = dtypeBytes(out, dy, y, sums ?? out);
    if (bytes !== 0 && typeof m === 'number' && typeof n === 'number' && typeof rate === 'number') {
      const p = begin(rdParams, bytes);
      p[RD.m] = m;
      p[RD.n] = n;
      p[RD.scale] = 1 / (1 - rate);
      p[RD.hasSums] = sums === null ? 0 : 1;
      addon.reluDropoutBackwardFast(p, dy, y, out, sums ?? out);
      if (p[STATUS] === 0) return;
    }
    reluDropoutBackwardReference(m, n, rate, dy, y, out, sums);
  };
  return { reluBackward, sigmoidBackward, columnSums, adamUpdate, reluDropoutBackward };
}

const D = { len: 2, cut: 3, scale: 4, count: 5 };

/** Dropout's two kernels through their fast entries; a call they refuse runs the reference. */
function dropoutKernels(addon: NativeAddon): {
  dropoutForward: DropoutForwardFn;
  dropoutBackward: DropoutBackwardFn;
  addInto: AddIntoFn;
} {
  const params = new Float64Array(D.count);
  const dropoutForward: DropoutForwardFn = (len, rate, state, x, out, mask) => {
    const bytes = dtypeBytes(out, x, mask);
    if (bytes !== 0 && typeof len === 'number' && typeof rate === 'number') {
      const p = begin(params, bytes);
      p[D.len] = len;
      p[D.cut] = rate * 4294967296;
      p[D.scale] = 1 / (1 - rate);
      addon.dropoutForwardFast(p, state, x, out, mask);
      if (p[STATUS] === 0) return;
    }
    dropoutForwardReference(len, rate, state, x, out, mask);
  };
  const dropoutBackward: DropoutBackwardFn = (len, dy, mask, out) => {
    const bytes = dtypeBytes(out, dy, mask);
    if (bytes !== 0 && typeof len === 'number') {
      const p = begin(params, bytes);
      p[D.len] = len;
      addon.dropoutBackwardFast(p, dy, mask, out);
      if (p[STATUS] === 0) return;
    }
    dropoutBackwardReference(len, dy, mask, out);
  };
  const addInto: AddIntoFn = (len, acc, x) => {
    const bytes = dtypeBytes(acc, x);
    if (bytes !== 0 && typeof len === 'number') {
      const p = begin(params, bytes);
      p[D.len] = len;
      addon.addIntoFast(p, acc, x);
      if (p[STATUS] === 0) return;
    }
    addIntoReference(len, acc, x);
  };
  return { dropoutForward, dropoutBackward, addInto };
}

const R = {
  batch: 2,
  steps: 3,
  units: 4,
  resetAfter: 5,
  recurrentActivation: 6,
  activation: 7,
  present: 8,
  count: 9,
};

/** Element size when every array given (nulls skipped) is a Float32Array, or every one a Float64Array, else 0. */
function arraysBytes(arrays: ReadonlyArray<FloatArray | null>): number {
  const first = arrays[0];
  const T =
    first instanceof Float32Array ? Float32Array : first instanceof Float64Array ? Float64Array : null;
  if (T === null) return 0;
  for (const a of arrays) if (a !== null && !(a instanceof T)) return 0;
  return T === Float32Array ? 4 : 8;
}

/** Bit i set when optional array i is given. */
function presence(optional: ReadonlyArray<FloatArray | null>): number {
  let bits = 0;
  optional.forEach((a, i) => {
    if (a !== null) bits |= 1 << i;
  });
  return bits;
}

/**
 * The recurrent kernels: the whole loop (gates and recurrent products) in C++ through the fast
 * entries; a call a fast entry does not take runs the same loop in TypeScript on the addon's gemm.
 */
function recurrentKernels(addon: NativeAddon, gemm: GemmFn): KernelImplementation[] {
  const params = new Float64Array(R.count);
  /** Fills the parameter block; false when the arrays are not all of one float type. */
  const start = (
    arrays: ReadonlyArray<FloatArray | null>,
    optional: ReadonlyArray<FloatArray | null>,
    batch: number,
    steps: number,
    units: number,
    resetAfter: boolean,
    rec: RecurrentActivation,
    act: Activation,
  ): boolean => {
    const bytes = arraysBytes(arrays);
    if (bytes === 0) return false;
    const p = begin(params, bytes);
    p[R.batch] = batch;
    p[R.steps] = steps;
    p[R.units] = units;
    p[R.resetAfter] = resetAfter ? 1 : 0;
    p[R.recurrentActivation] = recurrentCode(rec);
    p[R.activation] = recurrentCode(act);
    p[R.present] = presence(optional);
    return true;
  };
  const done = () => params[STATUS] === 0;
  const ts = {
    rnnForward: rnnForwardWith(gemm),
    rnnBackward: rnnBackwardWith(gemm),
    gruForward: gruForwardWith(gemm),
    gruBackward: gruBackwardWith(gemm),
    lstmForward: lstmForwardWith(gemm),
    lstmBackward: lstmBackwardWith(gemm),
  };
  const rnnForward: RnnForwardFn = (batch, steps, units, activation, xp, u, mask, h0, hs) => {
    if (start([hs, xp, u, mask, h0], [mask, h0], batch, steps, units, false, 'sigmoid', activation)) {
      addon.rnnForwardFast(params, xp, u, mask ?? hs, h0 ?? hs, hs);
      if (done()) return;
    }
    ts.rnnForward(batch, steps, units, activation, xp, u, mask, h0, hs);
  };
  const rnnBackward: RnnBackwardFn = (
    batch,
    steps,
    units,
    activation,
    u,
    mask,
    h0,
    hs,
    dhs,
    dxp,
    du,
    dh0,
  ) => {
    if (
      start(
        [hs, u, mask, h0, dhs, dxp, du, dh0],
        [mask, h0, dh0],
        batch,
        steps,
        units,
        false,
        'sigmoid',
        activation,
      )
    ) {
      addon.rnnBackwardFast(params, u, mask ?? hs, h0 ?? hs, hs, dhs, dxp, du, dh0 ?? hs);
      if (done()) return;
    }
    ts.rnnBackward(batch, steps, units, activation, u, mask, h0, hs, dhs, dxp, du, dh0);
  };
  const gruForward: GruForwardFn = (
    batch,
    steps,
    units,
    resetAfter,
    rec,
    activation,
    xp,
    u,
    ub,
    mask,
    h0,
    hs,
    cache,
  ) => {
    if (
      start(
        [hs, xp, u, ub, mask, h0, cache],
        [ub, mask, h0],
        batch,
        steps,
        units,
        resetAfter,
        rec,
        activation,
      )
    ) {
      addon.gruForwardFast(params, xp, u, ub ?? hs, mask ?? hs, h0 ?? hs, hs, cache);
      if (done()) return;
    }
    ts.gruForward(batch, steps, units, resetAfter, rec, activation, xp, u, ub, mask, h0, hs, cache);
  };
  const gruBackward: GruBackwardFn = (
    batch,
    steps,
    units,
    resetAfter,
    rec,
    activation,
    u,
    mask,
    h0,
    hs,
    cache,
    dhs,
    dxp,
    du,
    dub,
    dh0,
  ) => {
    const arrays = [hs, u, mask, h0, cache, dhs, dxp, du, dub, dh0];
    if (start(arrays, [mask, h0, dub, dh0], batch, steps, units, resetAfter, rec, activation)) {
      addon.gruBackwardFast(params, u, mask ?? hs, h0 ?? hs, hs, cache, dhs, dxp, du, dub ?? hs, dh0 ?? hs);
      if (done()) return;
    }
    ts.gruBackward(
      batch,
      steps,
      units,
      resetAfter,
      rec,
      activation,
      u,
      mask,
      h0,
      hs,
      cache,
      dhs,
      dxp,
      du,
      dub,
      dh0,
    );
  };
  const lstmForward: LstmForwardFn = (
    batch,
    steps,
    units,
    rec,
    activation,
    xp,
    u,
    mask,
    h0,
    c0,
    hs,
    cs,
    cache,
  ) => {
    if (
      start([hs, xp, u, mask, h0, c0, cs, cache], [mask, h0, c0], batch, steps, units, false, rec, activation)
    ) {
      addon.lstmForwardFast(params, xp, u, mask ?? hs, h0 ?? hs, c0 ?? hs, hs, cs, cache);
      if (done()) return;
    }
    ts.lstmForward(batch, steps, units, rec, activation, xp, u, mask, h0, c0, hs, cs, cache);
  };
  const lstmBackward: LstmBackwardFn = (
    batch,
    steps,
    units,
    rec,
    activation,
    u,
    mask,
    h0,
    c0,
    hs,
    cs,
    cache,
    dhs,
    dxp,
    du,
    dh0,
    dc0,
  ) => {
    const arrays = [hs, u, mask, h0, c0, cs, cache, dhs, dxp, du, dh0, dc0];
    if (start(arrays, [mask, h0, c0, dh0, dc0], batch, steps, units, false, rec, activation)) {
      addon.lstmBackwardFast(
        params,
        u,
        mask ?? hs,
        h0 ?? hs,
        c0 ?? hs,
        hs,
        cs,
        cache,
        dhs,
        dxp,
        du,
        dh0 ?? hs,
        dc0 ?? hs,
      );
      if (done()) return;
    }
    ts.lstmBackward(
      batch,
      steps,
      units,
      rec,
      activation,
      u,
      mask,
      h0,
      c0,
      hs,
      cs,
      cache,
      dhs,
      dxp,
      du,
      dh0,
      dc0,
    );
  };
  return [
    implement(rnnForwardKernel, rnnForward),
    implement(rnnBackwardKernel, rnnBackward),
    implement(gruForwardKernel, gruForward),
    implement(gruBackwardKernel, gruBackward),
    implement(lstmForwardKernel, lstmForward),
    implement(lstmBackwardKernel, lstmBackward),
  ];
}

/**
 * The int8 kernels: float32 only (float64 runs the reference). The addon applies relu itself;
 * sigmoid and tanh (a model's output layer, one column) are applied here by the TypeScript
 * epilogue, so every activation matches the reference bit for bit.
 */
function quantizedKernels(addon: NativeAddon): KernelImplementation[] {
  // quantizedDense and quantizedDensePacked: the same arguments, w plain or packed.
  const int8Dense =
    (reference: QuantizedDenseFn, entry: NativeAddon['quantizedDense']): QuantizedDenseFn =>
    (m, n, k, x, w, scale, offset, activation, out) => {
      if (!(scale instanceof Float32Array && offset instanceof Float32Array && out instanceof Float32Array)) {
        reference(m, n, k, x, w, scale, offset, activation, out);
        return;
      }
      entry(m, n, k, x, w, scale, offset, activation === 'relu', out);
      if (activation !== 'linear' && activation !== 'relu') applyBiasActivation(m, n, null, activation, out);
    };
  const dense = int8Dense(quantizedDenseReference, addon.quantizedDense);
  const packed = int8Dense(quantizedDensePackedReference, addon.quantizedDensePacked);
  const quantize: QuantizeActivationsFn = (len, x, scale, zeroPoint, out) => {
    if (x instanceof Float32Array) addon.quantizeActivations(len, x, scale, zeroPoint, out);
    else quantizeActivationsReference(len, x, scale, zeroPoint, out);
  };
  return [
    implement(quantizedDenseKernel, dense),
    implement(quantizedDensePackedKernel, packed),
    implement(quantizeActivationsKernel, quantize),
  ];
}

export function createNativeProvider(addon: NativeAddon = loadNativeAddon()): KernelProvider {
  const products = productKernels(addon);
  const training = trainingKernels(addon);
  const dropout = dropoutKernels(addon);
  return {
    name: 'native',
    dtypes: ['float32', 'float64'],
    // The dispatcher has validated the arguments; the addon checks them again before any access.
    kernels: [
      implement(gemmKernel, products.gemm),
      implement(denseForwardKernel, products.denseForward),
      implement(denseDropoutForwardKernel, products.denseDropoutForward),
      implement(reluBackwardKernel, training.reluBackward),
      implement(sigmoidBackwardKernel, training.sigmoidBackward),
      implement(columnSumsKernel, training.columnSums),
      implement(reluDropoutBackwardKernel, training.reluDropoutBackward),
      implement(adamUpdateKernel, training.adamUpdate),
      implement(dropoutForwardKernel, dropout.dropoutForward),
      implement(dropoutBackwardKernel, dropout.dropoutBackward),
      implement(addIntoKernel, dropout.addInto),
      // Checked entry only: one call per training batch, its index validated there row by row.
      implement(gatherRowsKernel, (rows, cols, srcRows, src, index, dst) =>
        addon.gatherRows(rows, cols, srcRows, src, index, dst),
      ),
      ...recurrentKernels(addon, products.gemm),
      ...quantizedKernels(addon),
    ],
    describe: () => `native C++ (${addon.isa()}, int8 ${addon.int8Isa()}, ${addon.getThreads()} threads)`,
  };
}

/** Threads the native gemm may use (default: the cores this process may run on). */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`setNativeThreads: n must be a positive integer, got ${n}`);
  loadNativeAddon().setThreads(n);
}

export function getNativeThreads(): number {
  return loadNativeAddon().getThreads();
}
