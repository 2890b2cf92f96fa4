import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnSumsFn } from '../declarations/column-sums.js';
import type { GemmFn } from '../declarations/gemm.js';
import type { ReluBackwardFn } from '../declarations/relu-backward.js';
import { loadNativeAddon, type NativeAddon, nativeAddonPath, rebuildCommand } from '../native/addon.js';

/** Device types as Vulkan reports them; auto considers only the first two (see provider.ts). */
export type VulkanDeviceType = 'discrete-gpu' | 'integrated-gpu' | 'virtual-gpu' | 'cpu' | 'other';

/** The device limits the provider sizes its work by. */
export interface VulkanLimits {
  maxComputeWorkGroupInvocations: number;
  maxComputeWorkGroupSize: [number, number, number];
  maxComputeWorkGroupCount: [number, number, number];
  maxComputeSharedMemorySize: number;
  maxStorageBufferRange: number;
  maxTexelBufferElements: number;
  maxPushConstantsSize: number;
}

export interface VulkanDeviceInfo {
  name: string;
  type: VulkanDeviceType;
  /** Driver name and version string (Vulkan 1.2 devices), else the driver version number. */
  driver: string;
  apiVersion: string;
  driverVersion: string;
  vendorId: number;
  deviceId: number;
  limits: VulkanLimits;
}

/** The GEMM's main loop: shared-memory tiles (GPUs) or each thread reading the texel cache. */
export type VulkanGemmVariant = 'shared' | 'direct';

export interface VulkanInfo extends VulkanDeviceInfo {
  deviceIndex: number;
  /** The loader library that was opened. */
  loader: string;
  /** Every device the loader found; deviceIndex is the one in use. */
  devices: VulkanDeviceInfo[];
  /** The GEMM's workgroup tile: rows x cols of C per workgroup, depth of a k slice, per thread. */
  gemmTile: {
    threadsX: number;
    threadsY: number;
    rows: number;
    cols: number;
    depth: number;
    rowsPerThread: number;
    colsPerThread: number;
  };
  gemmVariant: VulkanGemmVariant;
  /** Device-local buffers filled through staging buffers (true), or mapped device memory. */
  staging: boolean;
  /** Whether the device has host-visible cached device memory (the mapped path is possible). */
  directPossible: boolean;
}

/** Counters since the context was opened (see native/vulkan/context.h). */
export interface VulkanStats {
  submissions: number;
  dispatches: number;
  bytesUploaded: number;
  bytesDownloaded: number;
  /** Staging path: arrays whose device copy still matched, so were not uploaded again. */
  uploadsSkipped: number;
  bytesSkipped: number;
  buffersCreated: number;
  pipelinesCreated: number;
  waitSeconds: number;
  residentBytes: number;
  pooledBytes: number;
}

export interface VulkanOpenOptions {
  forceStaging?: boolean;
  device?: number;
  gemm?: VulkanGemmVariant | 'auto';
}

/**
 * The Vulkan entries of the native addon (native/vulkan/binding.cc). The kernels take the native
 * addon's checked signatures, float32 only, and validate every argument themselves.
 */
export interface VulkanBinding {
  vulkanBuilt: true;
  /** Opens the context once (later calls change the memory path and GEMM variant); throws why not. */
  vulkanOpen(options?: VulkanOpenOptions): VulkanInfo;
  vulkanInfo(): VulkanInfo | null;
  vulkanSetStaging(force: boolean): boolean;
  vulkanStats(): VulkanStats | null;
  vulkanClose(): void;
  vulkanGemm: GemmFn;
  vulkanDenseForward: NativeAddon['denseForward'];
  vulkanReluBackward: ReluBackwardFn;
  vulkanSigmoidBackward: ReluBackwardFn;
  vulkanColumnSums: ColumnSumsFn;
  vulkanAdamUpdate: NativeAddon['adamUpdate'];
}

/** Why the addon was built without Vulkan (build/Release/vulkan-build.txt), if it says. */
function buildNote(): string | undefined {
  const note = join(dirname(nativeAddonPath()), 'vulkan-build.txt');
  return existsSync(note) ? readFileSync(note, 'utf8').trim() : undefined;
}

/** The addon's Vulkan entries; throws one line saying why they are unavailable. */
export function loadVulkanBinding(): VulkanBinding {
  let addon: NativeAddon & { vulkanBuilt?: boolean };
  try {
    addon = loadNativeAddon();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`the Vulkan provider is part of the native addon, which is unavailable: ${why}`);
  }
  if (addon.vulkanBuilt !== true) {
    const why = buildNote() ?? 'the build did not include it';
    throw new Error(
      `the native addon was built without Vulkan: ${why}; once that is fixed, run ${rebuildCommand()}`,
    );
  }
  return addon as unknown as VulkanBinding;
}
