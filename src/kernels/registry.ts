import { blockedProvider } from './js/blocked.js';
import { naiveProvider } from './js/naive.js';
import { adamUpdateTs, columnSumsTs, reluBackwardTs } from './js/training.js';
import { createNativeProvider } from './native/provider.js';
import type { Activation, AdamParams, Dtype, FloatArray, KernelProvider } from './types.js';
import { dtypeOf } from './types.js';

/**
 * The one place that knows which kernel provider runs a product. Ops call `gemm` /
 * `denseForward` below and never see a provider; providers never see tensors.
 */

export type BackendName = 'js' | 'js-naive' | 'native' | 'gpu' | (string & {});
export type BackendChoice = BackendName | 'auto';

type Loader = () => KernelProvider;

const providers = new Map<string, KernelProvider>();
const loaders = new Map<string, Loader>();
const unavailable = new Map<string, string>();
let current: BackendChoice = 'auto';
let warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

export function registerProvider(provider: KernelProvider): void {
  providers.set(provider.name, provider);
  unavailable.delete(provider.name);
}

/**
 * Registers a provider that is built on first use (native addon, gpu.js). If the loader throws,
 * the provider is marked unavailable with the error's message, one line is printed once, and
 * `auto` carries on without it.
 */
export function registerLazyProvider(name: string, loader: Loader): void {
  loaders.set(name, loader);
}

export function unregisterProvider(name: string): void {
  providers.delete(name);
  loaders.delete(name);
  unavailable.delete(name);
}

/** Where the one-line "provider unavailable" notices go (tests silence or capture them). */
export function setWarningSink(sink: (line: string) => void): void {
  warn = sink;
}

function tryLoad(name: string): KernelProvider | undefined {
  const loaded = providers.get(name);
  if (loaded) return loaded;
  if (unavailable.has(name)) return undefined;
  const loader = loaders.get(name);
  if (!loader) return undefined;
  try {
    const provider = loader();
    providers.set(name, provider);
    return provider;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    unavailable.set(name, reason);
    warn(
      `tensorgrad: the '${name}' kernel provider is unavailable (${reason}); using the TypeScript kernels.`,
    );
    return undefined;
  }
}

/** The named provider, loading it if needed; throws with the reason if it cannot be had. */
export function getProvider(name: string): KernelProvider {
  const p = tryLoad(name);
  if (p) return p;
  const why = unavailable.get(name);
  if (why !== undefined) throw new Error(`kernel provider '${name}' is unavailable: ${why}`);
  throw new Error(`unknown kernel provider '${name}'; known: ${knownProviderNames().join(', ')}`);
}

export function knownProviderNames(): string[] {
  return [...new Set([...providers.keys(), ...loaders.keys()])];
}

/** Every provider that can run here (loads the lazy ones). */
export function availableProviders(): KernelProvider[] {
  for (const name of loaders.keys()) tryLoad(name);
  return [...providers.values()];
}

/** Name -> reason for every provider that failed to load. */
export function unavailableProviders(): ReadonlyMap<string, string> {
  return unavailable;
}

/** Sets the provider every op uses from now on: a name, or 'auto' (by size, see `autoPolicy`). */
export function setBackend(choice: BackendChoice): void {
  if (choice !== 'auto') getProvider(choice);
  current = choice;
}

export function getBackend(): BackendChoice {
  return current;
}

/** Runs fn with another backend, restoring the previous one afterwards (even on error). */
export function withBackend<T>(choice: BackendChoice, fn: () => T): T {
  const saved = current;
  setBackend(choice);
  try {
    return fn();
  } finally {
    current = saved;
  }
}

/**
 * What `auto` picks: the first rule whose provider is available, supports the dtype and whose
 * minimum work (2*m*n*k flops) is met; the TypeScript kernel otherwise. The bench measures where
 * each provider starts to win and these numbers come from it (see README, "Auto-dispatch").
 */
export interface AutoRule {
  provider: string;
  minFlops: number;
}
// Measured by `npm run bench -- --calibrate` (writes bench/results/auto-policy.json) on the 2-core
// dev box: in both dtypes native wins every square and training shape from 6^3 up; below that its
// ~1 us call costs more than the product and the TypeScript loops win (the naive one under 4^3;
// float64 preferred the blocked one at 4^3). The dtypes' rules are merged by the larger threshold.
export const autoPolicy: { rules: AutoRule[] } = {
  rules: [
    { provider: 'native', minFlops: 235 },
    { provider: 'js', minFlops: 83 },
    { provider: 'js-naive', minFlops: 0 },
  ],
};

export function selectProvider(
  m: number,
  n: number,
  k: number,
  dtype: Dtype,
  choice = current,
): KernelProvider {
  if (choice !== 'auto') {
    const p = getProvider(choice);
    if (!p.dtypes.includes(dtype)) {
      throw new Error(
        `kernel provider '${p.name}' does not support ${dtype}; it supports ${p.dtypes.join(', ')}`,
      );
    }
    return p;
  }
  return selectProviderByWork(2 * m * n * k, dtype, choice);
}

/** Like `selectProvider`, for kernels whose work is not a product: `flops` is their operation count. */
export function selectProviderByWork(flops: number, dtype: Dtype, choice = current): KernelProvider {
  if (choice !== 'auto') return selectProvider(0, 0, 0, dtype, choice);
  for (const rule of autoPolicy.rules) {
    if (flops < rule.minFlops) continue;
    const p = tryLoad(rule.provider);
    if (p?.dtypes.includes(dtype)) return p;
  }
  return blockedProvider;
}

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`gemm: ${what} must be a non-negative integer, got ${v}`);
}

/** Checks one operand of rows x cols (stored transposed when `transposed`). */
function checkArray(
  name: string,
  arr: unknown,
  rows: number,
  cols: number,
  transposed: boolean,
  dtype: Dtype,
): void {
  if (!(arr instanceof Float32Array || arr instanceof Float64Array)) {
    throw new Error(`gemm: ${name} must be a Float32Array or Float64Array`);
  }
  if (dtypeOf(arr) !== dtype) throw new Error(`gemm: ${name} is ${dtypeOf(arr)} but c is ${dtype}`);
  const need = rows * cols;
  if (arr.length < need) {
    // The shape text is built only here: this check runs on every product, the message rarely.
    const dims = transposed ? `${cols}x${rows}, transposed` : `${rows}x${cols}`;
    throw new Error(`gemm: ${name} has ${arr.length} elements, needs ${need} (${dims})`);
  }
}

/** Validates a gemm call; every provider can then trust its arguments. */
export function checkGemmArgs(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
): Dtype {
  checkSize('m', m);
  checkSize('n', n);
  checkSize('k', k);
  if (!(c instanceof Float32Array || c instanceof Float64Array)) {
    throw new Error('gemm: c must be a Float32Array or Float64Array');
  }
  const dtype = dtypeOf(c);
  checkArray('a', a, m, k, transA, dtype);
  checkArray('b', b, k, n, transB, dtype);
  checkArray('c', c, m, n, false, dtype);
  return dtype;
}

/** C = alpha * op(A) op(B) + beta * C on the chosen provider (see `GemmFn`). */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
  choice: BackendChoice = current,
): void {
  const dtype = checkGemmArgs(transA, transB, m, n, k, a, b, c);
  selectProvider(m, n, k, dtype, choice).gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
}

/** out = act(x W + bias): the provider's fused kernel when it has one, gemm + epilogue otherwise. */
export function denseForward(
  m: number,
  n: number,
  k: number,
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  activation: Activation,
  out: FloatArray,
  choice: BackendChoice = current,
): void {
  const dtype = checkGemmArgs(false, false, m, n, k, x, w, out);
  if (bias !== null) checkArray('bias', bias, 1, n, false, dtype);
  const p = selectProvider(m, n, k, dtype, choice);
  if (p.denseForward) {
    p.denseForward(m, n, k, x, w, bias, activation, out);
    return;
  }
  p.gemm(false, false, m, n, k, 1, x, w, 0, out);
  applyBiasActivation(m, n, bias, activation, out);
}

/** The epilogue of a dense layer, in place. */
export function applyBiasActivation(
  m: number,
  n: number,
  bias: FloatArray | null,
  activation: Activation,
  out: FloatArray,
): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      let v = out[row + j] + (bias === null ? 0 : bias[j]);
      if (activation === 'relu') v = v > 0 ? v : 0;
      else if (activation === 'sigmoid') v = 1 / (1 + Math.exp(-v));
      else if (activation === 'tanh') v = Math.tanh(v);
      out[row + j] = v;
    }
  }
}

registerProvider(blockedProvider);
registerProvider(naiveProvider);
// Loaded on first use wherever the dispatcher is imported; if the addon is missing, one line says
// why and auto carries on with the TypeScript kernels.
registerLazyProvider('native', () => createNativeProvider());

function checkTrainingArray(
  op: string,
  name: string,
  arr: unknown,
  need: number,
  dtype: Dtype,
  ref: string,
): void {
  if (!(arr instanceof Float32Array || arr instanceof Float64Array)) {
    throw new Error(`${op}: ${name} must be a Float32Array or Float64Array`);
  }
  if (dtypeOf(arr) !== dtype) throw new Error(`${op}: ${name} is ${dtypeOf(arr)} but ${ref} is ${dtype}`);
  if (arr.length < need) throw new Error(`${op}: ${name} has ${arr.length} elements, needs ${need}`);
}

function checkCount(op: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`${op}: ${what} must be a non-negative integer, got ${v}`);
}

/** out = dy where y > 0, else 0 (see `ReluBackwardFn`). */
export function reluBackward(
  len: number,
  dy: FloatArray,
  y: FloatArray,
  out: FloatArray,
  choice: BackendChoice = current,
): void {
  checkCount('reluBackward', 'len', len);
  const dtype = dtypeOf(out);
  for (const [name, arr] of [
    ['out', out],
    ['dy', dy],
    ['y', y],
  ] as const) {
    checkTrainingArray('reluBackward', name, arr, len, dtype, 'out');
  }
  const p = selectProviderByWork(len, dtype, choice);
  (p.reluBackward ?? reluBackwardTs)(len, dy, y, out);
}

/** out[j] = sum_i x[i*n + j] for an m x n x (see `ColumnSumsFn`). */
export function columnSums(
  m: number,
  n: number,
  x: FloatArray,
  out: FloatArray,
  choice: BackendChoice = current,
): void {
  checkCount('columnSums', 'm', m);
  checkCount('columnSums', 'n', n);
  const dtype = dtypeOf(out);
  checkTrainingArray('columnSums', 'out', out, n, dtype, 'out');
  checkTrainingArray('columnSums', 'x', x, m * n, dtype, 'out');
  const p = selectProviderByWork(m * n, dtype, choice);
  (p.columnSums ?? columnSumsTs)(m, n, x, out);
}

/** One Adam step in place on param, m and v (see `AdamParams` for the update). */
export function adamUpdate(
  len: number,
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  hp: AdamParams,
  choice: BackendChoice = current,
): void {
  checkCount('adamUpdate', 'len', len);
  if (!Number.isInteger(hp.step) || hp.step < 1) {
    throw new Error(`adamUpdate: step counts from 1, got ${hp.step}`);
  }
  const dtype = dtypeOf(param);
  for (const [name, arr] of [
    ['param', param],
    ['grad', grad],
    ['m', m],
    ['v', v],
  ] as const) {
    checkTrainingArray('adamUpdate', name, arr, len, dtype, 'param');
  }
  const p = selectProviderByWork(10 * len, dtype, choice);
  (p.adamUpdate ?? adamUpdateTs)(len, param, grad, m, v, hp);
}
