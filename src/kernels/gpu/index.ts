import { registerLazyProvider, unregisterProvider } from '../table.js';
import { GPU_MODE_ENV, GPU_MODES, type GpuMode, type GpuModeChoice, parseGpuModeChoice } from './modes.js';
import { createGpuProvider } from './node.js';
import type { GpuProvider } from './provider.js';

export { GPU_MODE_ENV, GPU_MODES, type GpuMode, type GpuModeChoice } from './modes.js';
export { createGpuProvider } from './node.js';
export {
  createGpuProviderWith,
  type GpuHost,
  type GpuJs,
  type GpuKernelName,
  type GpuProvider,
  type GpuProviderOptions,
} from './provider.js';

let configured: GpuModeChoice | undefined;
let loaded: GpuProvider | undefined;

/** The mode asked for: `setGpuMode`, else the TENSORGRAD_GPU_MODE environment variable, else auto. */
export function requestedGpuMode(): GpuModeChoice {
  if (configured !== undefined) return configured;
  const env = process.env[GPU_MODE_ENV];
  if (env !== undefined && env.trim() !== '') return parseGpuModeChoice(env, GPU_MODE_ENV);
  return 'auto';
}

/**
 * Forces a gpu.js mode (or 'auto') for the 'gpu' provider. Takes effect on the provider's next
 * load: a loaded provider is destroyed and rebuilt lazily.
 */
export function setGpuMode(mode: GpuModeChoice): void {
  configured = parseGpuModeChoice(mode, 'setGpuMode');
  registerGpuProvider();
}

/**
 * Builds the provider on the requested mode, or on the best mode that starts when it is 'auto'.
 * Throws one line naming every mode tried and why it failed; the registry prints it once.
 */
export function loadGpuProvider(): GpuProvider {
  const requested = requestedGpuMode();
  if (requested !== 'auto') return createGpuProvider({ mode: requested });
  const skipped: Array<{ mode: GpuMode; reason: string }> = [];
  for (const mode of GPU_MODES) {
    try {
      return createGpuProvider({ mode, skipped: [...skipped] });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // gpu.js itself missing fails every mode the same way: say it once.
      if (reason.startsWith('gpu.js did not load')) throw err;
      skipped.push({ mode, reason: reason.replace(`gpu.js mode ${mode}: `, '') });
    }
  }
  throw new Error(`no gpu.js mode started: ${skipped.map((s) => `${s.mode}: ${s.reason}`).join('; ')}`);
}

/** (Re)registers 'gpu' as a lazy provider; the kernel index calls this once. */
export function registerGpuProvider(): void {
  loaded?.destroy();
  loaded = undefined;
  unregisterProvider('gpu');
  registerLazyProvider('gpu', () => {
    loaded = loadGpuProvider();
    return loaded;
  });
}
