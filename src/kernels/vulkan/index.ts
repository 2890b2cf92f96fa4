import { checkOptions, knownOptions } from '../../options.js';
import { gemmKernel } from '../declarations/gemm.js';
import { getProvider, implementationOf, registerLazyProvider, unregisterProvider } from '../table.js';
import { loadVulkanBinding, type VulkanGemmVariant } from './addon.js';
import { measureCrossover, thresholdFrom } from './calibrate.js';
import { createVulkanProvider, type VulkanProvider } from './provider.js';

export * from './addon.js';
export { CALIBRATION_SIZES, type CalibrationPoint, measureCrossover, thresholdFrom } from './calibrate.js';
export {
  createVulkanProvider,
  describeVulkan,
  type VulkanKernelName,
  type VulkanProvider,
  vulkanAutoBlocker,
  vulkanLimitLines,
} from './provider.js';

/**
 * How the 'vulkan' provider opens its device. Each setting also has an environment variable, read
 * when the provider loads: TENSORGRAD_VULKAN_STAGING, TENSORGRAD_VULKAN_GEMM,
 * TENSORGRAD_VULKAN_DEVICE (TENSORGRAD_VULKAN_LOADER, read by the addon, names the loader library;
 * point it at a missing file to hide Vulkan).
 */
export interface VulkanSettings {
  /**
   * 'auto': mapped device memory where the device has host-visible cached memory (integrated
   * GPUs, lavapipe), device-local buffers through staging buffers elsewhere (discrete GPUs).
   * 'always': the staging path everywhere, so it runs (and is tested) on lavapipe too.
   */
  staging?: 'auto' | 'always';
  /** The GEMM main loop: 'auto' picks shared-memory tiles on GPUs, direct texel reads on CPU devices. */
  gemm?: VulkanGemmVariant | 'auto';
  /** A device index (see `tensorgrad info`), or 'auto': discrete, then integrated, virtual, CPU. */
  device?: number | 'auto';
  /**
   * The least product work (2*m*n*k) from which auto uses the device, instead of calibrating on
   * first use; only on a device auto may use at all (a real GPU). TENSORGRAD_VULKAN_AUTO_MIN_FLOPS.
   */
  autoMinFlops?: number;
}

const SETTINGS = knownOptions<VulkanSettings>({
  staging: true,
  gemm: true,
  device: true,
  autoMinFlops: true,
});
export const VULKAN_ENV = {
  staging: 'TENSORGRAD_VULKAN_STAGING',
  gemm: 'TENSORGRAD_VULKAN_GEMM',
  device: 'TENSORGRAD_VULKAN_DEVICE',
  autoMinFlops: 'TENSORGRAD_VULKAN_AUTO_MIN_FLOPS',
} as const;

let configured: VulkanSettings = {};

function choice<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v.trim().toLowerCase())) {
    return v.trim().toLowerCase() as T;
  }
  throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

function deviceChoice(name: string, v: unknown): number | 'auto' {
  if (v === 'auto') return 'auto';
  const d = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof d === 'number' && Number.isInteger(d) && d >= 0) return d;
  throw new Error(`${name} must be a device index (0, 1, ...) or 'auto', got ${JSON.stringify(v)}`);
}

function minFlops(name: string, v: unknown): number {
  const f = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof f === 'number' && f >= 0 && !Number.isNaN(f)) return f;
  throw new Error(`${name} must be a non-negative number of flops, got ${JSON.stringify(v)}`);
}

/** The settings in force: setVulkanOptions over the environment over the defaults. */
export function vulkanSettings(): Required<VulkanSettings> {
  const env = (key: keyof typeof VULKAN_ENV) => {
    const v = process.env[VULKAN_ENV[key]];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const staging = configured.staging ?? env('staging');
  const gemm = configured.gemm ?? env('gemm');
  const device = configured.device ?? env('device');
  const auto = configured.autoMinFlops ?? env('autoMinFlops');
  return {
    staging:
      staging === undefined ? 'auto' : choice(VULKAN_ENV.staging, staging, ['auto', 'always'] as const),
    gemm: gemm === undefined ? 'auto' : choice(VULKAN_ENV.gemm, gemm, ['auto', 'shared', 'direct'] as const),
    device: device === undefined ? 'auto' : deviceChoice(VULKAN_ENV.device, device),
    autoMinFlops: auto === undefined ? Number.NaN : minFlops(VULKAN_ENV.autoMinFlops, auto),
  };
}

/**
 * Changes how the 'vulkan' provider runs; takes effect on its next use (a loaded provider is
 * dropped and opened again with the new settings). Keys left out keep their value.
 */
export function setVulkanOptions(options: VulkanSettings): void {
  checkOptions('setVulkanOptions', options, SETTINGS);
  const next = { ...configured, ...options };
  // Validate now, so a bad value throws here rather than at the next kernel call.
  if (next.staging !== undefined)
    choice('setVulkanOptions: staging', next.staging, ['auto', 'always'] as const);
  if (next.gemm !== undefined)
    choice('setVulkanOptions: gemm', next.gemm, ['auto', 'shared', 'direct'] as const);
  if (next.device !== undefined) deviceChoice('setVulkanOptions: device', next.device);
  if (next.autoMinFlops !== undefined) minFlops('setVulkanOptions: autoMinFlops', next.autoMinFlops);
  configured = next;
  registerVulkanProvider();
}

/** Forgets setVulkanOptions (the environment and defaults apply again). */
export function resetVulkanOptions(): void {
  configured = {};
  registerVulkanProvider();
}

/** Auto's threshold for products on an eligible device: the setting, else a measurement. */
function calibrate(provider: VulkanProvider): number {
  const set = vulkanSettings().autoMinFlops;
  if (!Number.isNaN(set)) return set;
  let cpu: ReturnType<typeof getProvider>;
  try {
    cpu = getProvider('native');
  } catch {
    cpu = getProvider('js');
  }
  return thresholdFrom(
    measureCrossover(implementationOf(provider, gemmKernel), implementationOf(cpu, gemmKernel)),
  );
}

/** Opens the device with the settings in force and builds the provider; throws why not. */
export function loadVulkanProvider(): VulkanProvider {
  const settings = vulkanSettings();
  const binding = loadVulkanBinding();
  const wanted = settings.device === 'auto' ? undefined : settings.device;
  const open = binding.vulkanInfo();
  // Another device than the open one: close it first (its buffers go with it).
  if (open !== null && wanted !== undefined && open.deviceIndex !== wanted) binding.vulkanClose();
  const info = binding.vulkanOpen({
    forceStaging: settings.staging === 'always',
    gemm: settings.gemm,
    ...(wanted === undefined ? {} : { device: wanted }),
  });
  return createVulkanProvider(binding, info, { calibrate });
}

/**
 * (Re)registers 'vulkan' as a lazy, optional provider: loaded on first use; when auto's attempt
 * fails (no Vulkan here) nothing is printed, and `tensorgrad info` says why.
 */
export function registerVulkanProvider(): void {
  unregisterProvider('vulkan');
  registerLazyProvider('vulkan', loadVulkanProvider, { optional: true });
}
