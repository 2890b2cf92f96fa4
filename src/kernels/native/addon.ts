import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray, GemmFn } from '../types.js';

/** The raw binding of build/Release/tensorgrad_native.node. It validates every argument itself. */
export interface NativeAddon {
  gemm: GemmFn;
  /** activation: 0 linear, 1 relu, 2 sigmoid, 3 tanh. */
  denseForward(
    m: number,
    n: number,
    k: number,
    x: FloatArray,
    w: FloatArray,
    bias: FloatArray | null,
    activation: number,
    out: FloatArray,
  ): void;
  /**
   * The provider's fast path (see native/addon.cc, "Fast entries"): status, the element size and the
   * scalars in `params` (GemmSlot). Never throws; sets params[0] to 0 when done, else leaves it for
   * a checked retry.
   */
  gemmFast(params: Float64Array, a: FloatArray, b: FloatArray, c: FloatArray, bias: FloatArray): void;
  /** out = dy where y > 0, else 0; dtype follows out. */
  reluBackward(len: number, dy: FloatArray, y: FloatArray, out: FloatArray): void;
  /** out[j] = sum over the m rows of x[i*n + j] (accumulated in float64); dtype follows out. */
  columnSums(m: number, n: number, x: FloatArray, out: FloatArray): void;
  /**
   * One Adam step in place; stepSize is lr with the bias corrections folded in (adamStepSize in
   * src/kernels/js/training.ts). dtype follows param.
   */
  adamUpdate(
    len: number,
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    stepSize: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
  /**
   * Fast paths of the three above (see native/addon.cc, TrainSlot): params holds
   * [status, dtypeBytes, len or m, n, stepSize, beta1, beta2, epsilon]. Never throw; set params[0]
   * to 0 when done, else leave it for a checked retry.
   */
  reluBackwardFast(params: Float64Array, dy: FloatArray, y: FloatArray, out: FloatArray): void;
  columnSumsFast(params: Float64Array, x: FloatArray, out: FloatArray): void;
  adamUpdateFast(
    params: Float64Array,
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
  ): void;
  setThreads(n: number): void;
  getThreads(): number;
  /** Picks 'avx512' | 'avx2' | 'vec128' for the products that start from now on; false if this CPU cannot run it. */
  setIsa(name: string): boolean;
  isa(): string;
}

// src/kernels/native and dist/kernels/native sit at the same depth below the package root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where the addon is loaded from: TENSORGRAD_NATIVE_ADDON (the ASan build) or the release build. */
export function nativeAddonPath(): string {
  return process.env.TENSORGRAD_NATIVE_ADDON ?? join(root, 'build', 'Release', 'tensorgrad_native.node');
}

let cached: NativeAddon | undefined;

/** Loads the addon once; throws one line saying why it is unavailable. */
export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    const errorFile = join(root, 'build', 'native-build-error.txt');
    const why = existsSync(errorFile)
      ? `build failed: ${readFileSync(errorFile, 'utf8').trim()}`
      : 'not built; run npm run build:native';
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
