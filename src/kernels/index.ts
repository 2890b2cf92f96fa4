import { registerGpuProvider } from './gpu/index.js';
import { createNativeProvider } from './native/provider.js';
import { registerLazyProvider } from './table.js';
import { registerVulkanProvider } from './vulkan/index.js';

export {
  createGpuProvider,
  createGpuProviderWith,
  GPU_MODE_ENV,
  GPU_MODES,
  type GpuHost,
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
export {
  CALIBRATION_SIZES,
  type CalibrationPoint,
  createVulkanProvider,
  describeVulkan,
  loadVulkanBinding,
  loadVulkanProvider,
  measureCrossover,
  resetVulkanOptions,
  setVulkanOptions,
  thresholdFrom,
  VULKAN_ENV,
  type VulkanBinding,
  type VulkanDeviceInfo,
  type VulkanDeviceType,
  type VulkanGemmVariant,
  type VulkanInfo,
  type VulkanKernelName,
  type VulkanLimits,
  type VulkanProvider,
  type VulkanSettings,
  type VulkanStats,
  vulkanAutoBlocker,
  vulkanLimitLines,
  vulkanSettings,
} from './vulkan/index.js';

// Loaded on first use; if the addon is missing, one line says why and auto carries on with the
// TypeScript kernels.
registerLazyProvider('native', () => createNativeProvider());
// Lazy: gpu.js is required only when something asks for the 'gpu' provider.
registerGpuProvider();
// Lazy and optional: the device is opened when something asks for 'vulkan', or when auto meets a
// product past the Vulkan rule's floor.
registerVulkanProvider();
