import { adamStepSize } from '../js/training.js';
import type {
  Activation,
  AdamUpdateFn,
  ColumnSumsFn,
  DenseForwardFn,
  GemmFn,
  KernelProvider,
  ReluBackwardFn,
} from '../types.js';
import { loadNativeAddon, type NativeAddon } from './addon.js';

const activationCode: Record<Activation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

// Slots of the fast path's parameter block; the order matches GemmSlot in native/addon.cc.
const P = {
  status: 0,
  dtypeBytes: 1,
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
} as const;

/** Element size when a, b and c are all Float32Array or all Float64Array, else 0. */
function dtypeBytes(a: unknown, b: unknown, c: unknown): number {
  if (c instanceof Float32Array) return a instanceof Float32Array && b instanceof Float32Array ? 4 : 0;
  if (c instanceof Float64Array) return a instanceof Float64Array && b instanceof Float64Array ? 8 : 0;
  return 0;
}

/**
 * gemm and denseForward through the addon's fast entry (native/addon.cc, "Fast entries"): about 2,000 fewer instructions per call
 * than handing N-API three typed arrays, which matters for the 32-row products of a training step.
 * Anything the fast entry does not take (other argument types, bad sizes, short arrays) goes to the
 * checked entries, which throw the precise error.
 */
function fastEntries(addon: NativeAddon): { gemm: GemmFn; denseForward: DenseForwardFn } {
  const params = new Float64Array(P.count);
  const gemm: GemmFn = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    const bytes = dtypeBytes(a, b, c);
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
      params[P.status] = 1;
      params[P.transA] = transA ? 1 : 0;
      params[P.transB] = transB ? 1 : 0;
      params[P.m] = m;
      params[P.n] = n;
      params[P.k] = k;
      params[P.alpha] = alpha;
      params[P.beta] = beta;
      params[P.dtypeBytes] = bytes;
      params[P.hasBias] = 0;
      params[P.activation] = 0;
      addon.gemmFast(params, a, b, c, c);
      if (params[P.status] === 0) return;
    }
    addon.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  };
  const denseForward: DenseForwardFn = (m, n, k, x, w, bias, activation, out) => {
    const bytes = dtypeBytes(x, w, out);
    const act = activationCode[activation];
    if (
      bytes !== 0 &&
      act !== undefined &&
      typeof m === 'number' &&
      typeof n === 'number' &&
      typeof k === 'number' &&
      (bias === null || bias.constructor === out.constructor)
    ) {
      params[P.status] = 1;
      params[P.transA] = 0;
      params[P.transB] = 0;
      params[P.m] = m;
      params[P.n] = n;
      params[P.k] = k;
      params[P.alpha] = 1;
      params[P.beta] = 0;
      params[P.dtypeBytes] = bytes;
      params[P.hasBias] = bias === null ? 0 : 1;
      params[P.activation] = act;
      addon.gemmFast(params, x, w, out, bias ?? out);
      if (params[P.status] === 0) return;
    }
    addon.denseForward(m, n, k, x, w, bias, act ?? Number.NaN, out);
  };
  return { gemm, denseForward };
}

// Slots of the training kernels' parameter block; the order matches TrainSlot in native/addon.cc.
const T = {
  status: 0,
  dtypeBytes: 1,
  len: 2,
  n: 3,
  stepSize: 4,
  beta1: 5,
  beta2: 6,
  epsilon: 7,
  count: 8,
} as const;

/** Element size when every array is a Float32Array, or every one a Float64Array, else 0. */
function sameDtypeBytes(first: unknown, ...rest: unknown[]): number {
  const ctor =
    first instanceof Float32Array ? Float32Array : first instanceof Float64Array ? Float64Array : null;
  if (ctor === null) return 0;
  for (const r of rest) if (!(r instanceof ctor)) return 0;
  return ctor === Float32Array ? 4 : 8;
}

/**
 * reluBackward, columnSums and adamUpdate through the addon's fast entries (called about a dozen
 * times per training step on small arrays, so call overhead matters as for gemm); anything the
 * fast entries refuse goes to the checked entries, which throw the precise error.
 */
function trainingEntries(addon: NativeAddon): {
  reluBackward: ReluBackwardFn;
  columnSums: ColumnSumsFn;
  adamUpdate: AdamUpdateFn;
} {
  const params = new Float64Array(T.count);
  const reluBackward: ReluBackwardFn = (len, dy, y, out) => {
    const bytes = sameDtypeBytes(out, dy, y);
    if (bytes !== 0 && typeof len === 'number') {
      params[T.status] = 1;
      params[T.dtypeBytes] = bytes;
      params[T.len] = len;
      addon.reluBackwardFast(params, dy, y, out);
      if (params[T.status] === 0) return;
    }
    addon.reluBackward(len, dy, y, out);
  };
  const columnSums: ColumnSumsFn = (m, n, x, out) => {
    const bytes = sameDtypeBytes(out, x);
    if (bytes !== 0 && typeof m === 'number' && typeof n === 'number') {
      params[T.status] = 1;
      params[T.dtypeBytes] = bytes;
      params[T.len] = m;
      params[T.n] = n;
      addon.columnSumsFast(params, x, out);
      if (params[T.status] === 0) return;
    }
    addon.columnSums(m, n, x, out);
  };
  const adamUpdate: AdamUpdateFn = (len, param, grad, m, v, hp) => {
    const stepSize = adamStepSize(hp);
    const bytes = sameDtypeBytes(param, grad, m, v);
    if (
      bytes !== 0 &&
      typeof len === 'number' &&
      typeof hp.beta1 === 'number' &&
      typeof hp.beta2 === 'number' &&
      typeof hp.epsilon === 'number'
    ) {
      params[T.status] = 1;
      params[T.dtypeBytes] = bytes;
      params[T.len] = len;
      params[T.stepSize] = stepSize;
      params[T.beta1] = hp.beta1;
      params[T.beta2] = hp.beta2;
      params[T.epsilon] = hp.epsilon;
      addon.adamUpdateFast(params, param, grad, m, v);
      if (params[T.status] === 0) return;
    }
    addon.adamUpdate(len, param, grad, m, v, stepSize, hp.beta1, hp.beta2, hp.epsilon);
  };
  return { reluBackward, columnSums, adamUpdate };
}

export function createNativeProvider(addon: NativeAddon = loadNativeAddon()): KernelProvider {
  const fast = fastEntries(addon);
  const training = trainingEntries(addon);
  return {
    name: 'native',
    dtypes: ['float32', 'float64'],
    // The dispatcher has validated the arguments; the addon checks them again before any access.
    gemm: fast.gemm,
    denseForward: fast.denseForward,
    reluBackward: training.reluBackward,
    columnSums: training.columnSums,
    adamUpdate: training.adamUpdate,
    describe: () => `native C++ (${addon.isa()}, ${addon.getThreads()} threads)`,
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
