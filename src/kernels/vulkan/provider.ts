import { type AdamUpdateFn, adamStepSize, adamUpdateKernel } from '../declarations/adam-update.js';
import { type ColumnSumsFn, columnSumsKernel } from '../declarations/column-sums.js';
import { type DenseForwardFn, denseForwardKernel } from '../declarations/dense-forward.js';
import { type GemmFn, gemmKernel } from '../declarations/gemm.js';
import { type ReluBackwardFn, reluBackwardKernel } from '../declarations/relu-backward.js';
import { type SigmoidBackwardFn, sigmoidBackwardKernel } from '../declarations/sigmoid-backward.js';
import { implement } from '../kernel.js';
import type { KernelProvider } from '../table.js';
import type { Activation } from '../types.js';
import type { VulkanBinding, VulkanInfo, VulkanStats } from './addon.js';

/**
 * The Vulkan provider: the addon's Vulkan kernels (native/vulkan) behind the kernel table. Each
 * call is one submission: the arrays it reads go to device buffers (a pool; on the staging path
 * they stay resident while the host leaves them unchanged), the kernel runs, one fence is waited
 * for, and the arrays it writes come back. See docs/gpu.md.
 */

export type VulkanKernelName =
  | 'gemm'
  | 'denseForward'
  | 'reluBackward'
  | 'sigmoidBackward'
  | 'columnSums'
  | 'adamUpdate';

/** The products: auto may send these to a GPU. The others move as many bytes as they compute. */
const PRODUCTS: ReadonlySet<string> = new Set(['gemm', 'denseForward']);

export interface VulkanProvider extends KernelProvider {
  /** The device, its limits, the GEMM tile and the memory path, as opened. */
  readonly info: VulkanInfo;
  /** Calls of each kernel so far, so a caller can see which work ran here. */
  readonly calls: Readonly<Record<VulkanKernelName, number>>;
  /** Why auto may not pick this device, or null (a discrete or integrated GPU). */
  readonly autoBlocker: string | null;
  stats(): VulkanStats;
}

const activationCode: Record<Activation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

/** Why auto leaves a device alone: only real GPUs qualify (never lavapipe, a CPU device). */
export function vulkanAutoBlocker(info: Pick<VulkanInfo, 'name' | 'type'>): string | null {
  if (info.type === 'discrete-gpu' || info.type === 'integrated-gpu') return null;
  const what = info.type === 'cpu' ? 'a CPU implementation of Vulkan' : `a ${info.type} device`;
  return `${info.name} is ${what}, not a GPU`;
}

export interface VulkanProviderOptions {
  /**
   * The least product work (2*m*n*k) from which auto sends products here, on a device auto may use
   * at all; called once, on auto's first product past the table's floor for this provider (see
   * calibrate.ts). Absent: never.
   */
  calibrate?: (provider: VulkanProvider) => number;
}

export function createVulkanProvider(
  binding: VulkanBinding,
  info: VulkanInfo,
  options: VulkanProviderOptions = {},
): VulkanProvider {
  const calls: Record<VulkanKernelName, number> = {
    gemm: 0,
    denseForward: 0,
    reluBackward: 0,
    sigmoidBackward: 0,
    columnSums: 0,
    adamUpdate: 0,
  };
  const gemm: GemmFn = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    calls.gemm++;
    binding.vulkanGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  };
  const denseForward: DenseForwardFn = (m, n, k, x, w, bias, activation, out) => {
    calls.denseForward++;
    binding.vulkanDenseForward(m, n, k, x, w, bias, activationCode[activation] ?? Number.NaN, out);
  };
  const reluBackward: ReluBackwardFn = (len, dy, y, out) => {
    calls.reluBackward++;
    binding.vulkanReluBackward(len, dy, y, out);
  };
  const sigmoidBackward: SigmoidBackwardFn = (len, dy, y, out) => {
    calls.sigmoidBackward++;
    binding.vulkanSigmoidBackward(len, dy, y, out);
  };
  const columnSums: ColumnSumsFn = (m, n, x, out) => {
    calls.columnSums++;
    binding.vulkanColumnSums(m, n, x, out);
  };
  const adamUpdate: AdamUpdateFn = (len, param, grad, m, v, hp) => {
    calls.adamUpdate++;
    binding.vulkanAdamUpdate(len, param, grad, m, v, adamStepSize(hp), hp.beta1, hp.beta2, hp.epsilon);
  };

  const autoBlocker = vulkanAutoBlocker(info);
  let productMinWork: number | undefined;
  const provider: VulkanProvider = {
    name: 'vulkan',
    dtypes: ['float32'],
    // The dispatcher has validated the arguments; the addon checks them again before any access.
    kernels: [
      implement(gemmKernel, gemm),
      implement(denseForwardKernel, denseForward),
      implement(reluBackwardKernel, reluBackward),
      implement(sigmoidBackwardKernel, sigmoidBackward),
      implement(columnSumsKernel, columnSums),
      implement(adamUpdateKernel, adamUpdate),
    ],
    info,
    calls,
    autoBlocker,
    stats: () => binding.vulkanStats() ?? emptyStats(),
    describe: () => describeVulkan(binding.vulkanInfo() ?? info, autoBlocker, productMinWork),
    autoMinWork(kernel: string): number {
      if (autoBlocker !== null || !PRODUCTS.has(kernel) || !options.calibrate)
        return Number.POSITIVE_INFINITY;
      productMinWork ??= options.calibrate(provider);
      return productMinWork;
    },
  };
  return provider;
}

function emptyStats(): VulkanStats {
  return {
    submissions: 0,
    dispatches: 0,
    bytesUploaded: 0,
    bytesDownloaded: 0,
    uploadsSkipped: 0,
    bytesSkipped: 0,
    buffersCreated: 0,
    pipelinesCreated: 0,
    waitSeconds: 0,
    residentBytes: 0,
    pooledBytes: 0,
  };
}

/** One line for `tensorgrad info`: device, type, driver, GEMM tiling, memory path, auto. */
export function describeVulkan(
  info: VulkanInfo,
  autoBlocker: string | null,
  productMinWork?: number,
): string {
  const t = info.gemmTile;
  const gemm =
    info.gemmVariant === 'shared'
      ? `GEMM ${t.rows}x${t.cols}x${t.depth} tiles in shared memory`
      : `GEMM ${t.rows}x${t.cols} tiles read through the texel cache`;
  const memory = info.staging
    ? `device-local buffers through staging${info.directPossible ? ' (forced)' : ''}`
    : 'mapped device memory';
  const auto =
    autoBlocker !== null
      ? `auto: never (${autoBlocker})`
      : productMinWork === undefined
        ? 'auto: products, from a size calibrated on first use'
        : Number.isFinite(productMinWork)
          ? `auto: products from ${productMinWork.toExponential(2)} flops`
          : 'auto: never (calibration: the CPU kernels win)';
  return (
    `Vulkan ${info.apiVersion} on '${info.name}' [${info.type}], driver ${info.driver}; float32, ` +
    `${gemm} (${t.threadsX}x${t.threadsY} threads, ${t.rowsPerThread}x${t.colsPerThread} each), ${memory}; ${auto}`
  );
}

/** The limits the provider sizes its work by, as `tensorgrad info` lists them. */
export function vulkanLimitLines(info: VulkanInfo): string[] {
  const l = info.limits;
  const others = info.devices
    .map((d, i) => (i === info.deviceIndex ? null : `${i}: ${d.name} (${d.type})`))
    .filter((d) => d !== null);
  return [
    `maxComputeWorkGroupInvocations ${l.maxComputeWorkGroupInvocations}, maxComputeWorkGroupSize ${l.maxComputeWorkGroupSize.join('x')}, ` +
      `maxComputeWorkGroupCount ${l.maxComputeWorkGroupCount.join('x')}`,
    `maxComputeSharedMemorySize ${l.maxComputeSharedMemorySize}, maxStorageBufferRange ${l.maxStorageBufferRange}, ` +
      `maxTexelBufferElements ${l.maxTexelBufferElements}, maxPushConstantsSize ${l.maxPushConstantsSize}`,
    `device ${info.deviceIndex} of ${info.devices.length}${others.length ? ` (others: ${others.join(', ')})` : ''}; loader ${info.loader}`,
  ];
}
