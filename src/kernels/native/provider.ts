import type { Activation, KernelProvider } from '../types.js';
import { loadNativeAddon, type NativeAddon } from './addon.js';

const activationCode: Record<Activation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

/** The `native` provider: the C++ addon's gemm and fused dense forward, both dtypes. */
export function createNativeProvider(addon: NativeAddon = loadNativeAddon()): KernelProvider {
  return {
    name: 'native',
    dtypes: ['float32', 'float64'],
    // The dispatcher has validated the arguments; the addon checks them again before any access.
    gemm: addon.gemm,
    denseForward: (m, n, k, x, w, bias, activation, out) =>
      addon.denseForward(m, n, k, x, w, bias, activationCode[activation], out),
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
