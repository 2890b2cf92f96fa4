import { registerGpuProvider } from './gpu/index.js';

export {
  createGpuProvider,
  GPU_MODE_ENV,
  GPU_MODES,
  type GpuMode,
  type GpuModeChoice,
  type GpuProvider,
  loadGpuProvider,
  requestedGpuMode,
  setGpuMode,
} from './gpu/index.js';
export { type ActivationMath, activations, applyBiasActivation, sigmoid } from './js/activations.js';
export { blockedGemm } from './js/blocked.js';
export * from './kernel.js';
export { loadNativeAddon, type NativeAddon, nativeAddonPath } from './native/addon.js';
export { getNativeThreads, setNativeThreads } from './native/provider.js';
export * from './registry.js';
export * from './types.js';

// Lazy: gpu.js is required only when something asks for the 'gpu' provider.
registerGpuProvider();
