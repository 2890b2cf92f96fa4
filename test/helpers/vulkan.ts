import {
  getProvider,
  loadVulkanBinding,
  resetVulkanOptions,
  setVulkanOptions,
  type VulkanBinding,
  type VulkanProvider,
  type VulkanSettings,
} from '../../src/kernels/index.js';

export interface VulkanProbe {
  provider?: VulkanProvider;
  binding?: VulkanBinding;
  reason: string;
}

let probe: VulkanProbe | undefined;

/**
 * The 'vulkan' provider, or why it cannot run here (the tests then skip, saying so once).
 * TENSORGRAD_REQUIRE_VULKAN=1 (CI) turns that reason into a failure (see requireVulkan).
 */
export function probeVulkan(): VulkanProbe {
  if (probe) return probe;
  try {
    const binding = loadVulkanBinding();
    const provider = getProvider('vulkan') as VulkanProvider;
    probe = { provider, binding, reason: '' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    console.warn(`vulkan tests: skipping: ${reason}`);
    probe = { reason };
  }
  return probe;
}

/** Whether the environment insists on Vulkan (CI installs lavapipe: a skip would hide a break). */
export function vulkanRequired(): boolean {
  return process.env.TENSORGRAD_REQUIRE_VULKAN === '1';
}

/** The ways the provider can run on one device: both memory paths, both GEMM main loops. */
export interface VulkanConfig {
  label: string;
  settings: Required<Pick<VulkanSettings, 'staging' | 'gemm'>>;
}

export const VULKAN_CONFIGS: VulkanConfig[] = [
  { label: 'mapped memory, direct GEMM', settings: { staging: 'auto', gemm: 'direct' } },
  { label: 'staging, direct GEMM', settings: { staging: 'always', gemm: 'direct' } },
  { label: 'mapped memory, shared-memory GEMM', settings: { staging: 'auto', gemm: 'shared' } },
  { label: 'staging, shared-memory GEMM', settings: { staging: 'always', gemm: 'shared' } },
];

/** The provider opened with these settings (setVulkanOptions, then a fresh load). */
export function vulkanWith(settings: VulkanSettings): VulkanProvider {
  setVulkanOptions(settings);
  return getProvider('vulkan') as VulkanProvider;
}

/** Back to the environment's settings (afterAll of every file that changes them). */
export function resetVulkan(): void {
  resetVulkanOptions();
}
