import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../types.js';

/** The raw binding of build/Release/tensorgrad_native.node. It validates every argument itself. */
export interface NativeAddon {
  gemm(
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
  ): void;
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
   * The provider's fast path (see native/addon.cc, FastParam): scalars and the element type in
   * `params`. Never throws; sets params[0] to 0 when done, else leaves it for a checked retry.
   */
  gemmFast(params: Float64Array, a: FloatArray, b: FloatArray, c: FloatArray, bias: FloatArray): void;
  setThreads(n: number): void;
  getThreads(): number;
  /** Forces 'avx512' | 'avx2' | 'portable'; false if this CPU cannot run it. */
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
