import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdamUpdateFn } from '../declarations/adam-update.js';
import type { ColumnSumsFn } from '../declarations/column-sums.js';
import type { DenseForwardFn } from '../declarations/dense-forward.js';
import type { GatherRowsFn } from '../declarations/gather-rows.js';
import type { GemmFn } from '../declarations/gemm.js';
import type { ReluBackwardFn } from '../declarations/relu-backward.js';
import type { SigmoidBackwardFn } from '../declarations/sigmoid-backward.js';

/** A kernel's parameters with the one at index I of another type. */
type WithArg<P extends unknown[], I extends number, T> = { [K in keyof P]: K extends `${I}` ? T : P[K] };
/** A kernel's parameters up to index I, exclusive. */
type ArgsBefore<P extends unknown[], I extends number, Acc extends unknown[] = []> = Acc['length'] extends I
  ? Acc
  : P extends [infer H, ...infer R]
    ? ArgsBefore<R, I, [...Acc, H]>
    : Acc;

/**
 * The raw binding of build/Release/tensorgrad_native.node. Its checked entries take the kernels'
 * arguments (validating every one themselves); its fast entries take the scalars in a Float64Array
 * (see native/addon.cc, "Fast entries"), never throw, and set params[0] to 0 once done, else leave
 * it for a checked retry.
 */
export interface NativeAddon {
  gemm: GemmFn;
  /** The activation as a code: 0 linear, 1 relu, 2 sigmoid, 3 tanh. */
  denseForward(...args: WithArg<Parameters<DenseForwardFn>, 6, number>): void;
  reluBackward: ReluBackwardFn;
  sigmoidBackward: SigmoidBackwardFn;
  columnSums: ColumnSumsFn;
  gatherRows: GatherRowsFn;
  /** Adam's parameters as stepSize (lr with the bias corrections folded in: adamStepSize), beta1, beta2, epsilon. */
  adamUpdate(
    ...args: [
      ...ArgsBefore<Parameters<AdamUpdateFn>, 5>,
      stepSize: number,
      beta1: number,
      beta2: number,
      epsilon: number,
    ]
  ): void;
  /** gemm and denseForward: [status, element bytes, transA, transB, m, n, k, alpha, beta, has bias, activation]. */
  gemmFast(params: Float64Array, a: unknown, b: unknown, c: unknown, bias: unknown): void;
  /** The training kernels: [status, element bytes, len or m, n, stepSize, beta1, beta2, epsilon]. */
  reluBackwardFast(params: Float64Array, dy: unknown, y: unknown, out: unknown): void;
  sigmoidBackwardFast(params: Float64Array, dy: unknown, y: unknown, out: unknown): void;
  columnSumsFast(params: Float64Array, x: unknown, out: unknown): void;
  adamUpdateFast(params: Float64Array, param: unknown, grad: unknown, m: unknown, v: unknown): void;
  /** Dropout: [status, element bytes, len, cut (rate * 2^32), scale]; state a Uint32Array of 4. */
  dropoutForwardFast(params: Float64Array, state: unknown, x: unknown, out: unknown, mask: unknown): void;
  dropoutBackwardFast(params: Float64Array, dy: unknown, mask: unknown, out: unknown): void;
  /** Dropout's backward from its output, ReLU's and the column sums in one pass: [status, element bytes, m, n, scale, has sums]. */
  reluDropoutBackwardFast(params: Float64Array, dy: unknown, y: unknown, out: unknown, sums: unknown): void;
  /** denseForward with dropout in its epilogue: gemmFast's slots, then dropout's cut and scale; state a Uint32Array of 4. */
  denseDropoutForwardFast(
    params: Float64Array,
    x: unknown,
    w: unknown,
    out: unknown,
    bias: unknown,
    state: unknown,
  ): void;
  /** acc += x: [status, element bytes, len]. */
  addIntoFast(params: Float64Array, acc: unknown, x: unknown): void;
  /**
   * The recurrent kernels: [status, element bytes, batch, steps, units, resetAfter, recurrent
   * activation code, activation code, bits of the optional arrays given]; arrays in the kernel's
   * order, an absent optional one replaced by any array (not read).
   */
  rnnForwardFast(params: Float64Array, ...arrays: unknown[]): void;
  rnnBackwardFast(params: Float64Array, ...arrays: unknown[]): void;
  gruForwardFast(params: Float64Array, ...arrays: unknown[]): void;
  gruBackwardFast(params: Float64Array, ...arrays: unknown[]): void;
  lstmForwardFast(params: Float64Array, ...arrays: unknown[]): void;
  lstmBackwardFast(params: Float64Array, ...arrays: unknown[]): void;
  setThreads(n: number): void;
  getThreads(): number;
  /**
   * Products that took the sparse path since the addon loaded: op(A) at most 35 % nonzeros (as
   * after ReLU and dropout), only its nonzeros multiplied.
   */
  sparseProducts(): number;
  /** Picks 'avx512' | 'avx2' | 'vec128' for the products that start from now on; false if this CPU cannot run it. */
  setIsa(name: string): boolean;
  isa(): string;
  /** int8: exact dot products of 7-bit codes and int8 weights, then float32(acc) * scale + offset, relu or not. */
  quantizedDense(
    m: number,
    n: number,
    k: number,
    x: Uint8Array,
    w: Int8Array,
    scale: Float32Array,
    offset: Float32Array,
    relu: boolean,
    out: Float32Array,
  ): void;
  /** The same over weights packed by packInt8Weights (ceil(n/16)*16 x ceil(k/4)*4 bytes). */
  quantizedDensePacked(
    m: number,
    n: number,
    k: number,
    x: Uint8Array,
    packed: Int8Array,
    scale: Float32Array,
    offset: Float32Array,
    relu: boolean,
    out: Float32Array,
  ): void;
  quantizeActivations(len: number, x: Float32Array, scale: number, zeroPoint: number, out: Uint8Array): void;
  /** The int8 kernels in use: 'avx512vnni' | 'avx2' | 'scalar' (follows setIsa). */
  int8Isa(): string;
}

// src/kernels/native and dist/kernels/native sit at the same depth below the package root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where the addon is loaded from: TENSORGRAD_NATIVE_ADDON (the ASan build) or the release build. */
export function nativeAddonPath(): string {
  return process.env.TENSORGRAD_NATIVE_ADDON ?? join(root, 'build', 'Release', 'tensorgrad_native.node');
}

/**
 * The command that builds the addon again: `npm rebuild tensorgrad` where tensorgrad is installed
 * as a dependency (the repository's own scripts are not in the package), `npm run build:native`
 * in a clone of the repository. scripts/build-native.mjs makes the same choice.
 */
export function rebuildCommand(packageRoot: string = root): string {
  return packageRoot.split(/[\\/]/).includes('node_modules')
    ? 'npm rebuild tensorgrad'
    : 'npm run build:native';
}

let cached: NativeAddon | undefined;

/** Loads the addon once; throws one line saying why it is unavailable. */
export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    const errorFile = join(root, 'build', 'native-build-error.txt');
    const why = existsSync(errorFile)
      ? `build failed: ${readFileSync(errorFile, 'utf8').trim()}; once that is fixed, run ${rebuildCommand()}`
      : `not built; run ${rebuildCommand()}`;
    throw new Error(`native addon ${why}`);
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`native addon failed to load: ${msg.split('\n')[0]}`);
  }
  return cached;
}
