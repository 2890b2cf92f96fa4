import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { infoLines } from '../../src/cli/info.js';
import {
  autoPolicy,
  type CalibrationPoint,
  gemm,
  gemmKernel,
  getProvider,
  implement,
  implementationOf,
  type KernelProvider,
  measureCrossover,
  registerProvider,
  selectProvider,
  thresholdFrom,
  unregisterProvider,
  vulkanAutoBlocker,
  vulkanSettings,
} from '../../src/kernels/index.js';
import { probeVulkan, resetVulkan, vulkanRequired } from '../helpers/vulkan.js';

// Where the Vulkan provider runs and where auto may use it: never on a device that is not a GPU
// (lavapipe), only for products, only past the crossover it measures; and everything else working,
// quietly, where Vulkan is absent.

const { provider, reason } = probeVulkan();
const here = dirname(fileURLToPath(import.meta.url));

/** Runs test/kernels/vulkan-child.ts with extra environment and returns its report. */
function child(env: Record<string, string>): {
  autoPick: string;
  correct: boolean;
  warnings: string[];
  vulkanError: string;
  info: string[];
} {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'vulkan-child.ts')], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.status !== 0) throw new Error(`child failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}');
}

describe('where Vulkan is absent, everything else works and nothing is printed', () => {
  it('a hidden loader (TENSORGRAD_VULKAN_LOADER): native computes, auto says nothing, info says why', () => {
    const r = child({ TENSORGRAD_VULKAN_LOADER: '/nonexistent/libvulkan.so.1' });
    expect(r.correct).toBe(true);
    expect(['native', 'js']).toContain(r.autoPick);
    expect(r.warnings).toEqual([]);
    expect(r.vulkanError).toMatch(
      /kernel provider 'vulkan' is unavailable: the Vulkan loader did not load \(\/nonexistent\/libvulkan.so.1: cannot open shared object file/,
    );
    expect(r.info.join('\n')).toMatch(/vulkan\s+unavailable: the Vulkan loader did not load/);
  });

  it.skipIf(!provider)(
    'a loader with no driver (VK_ICD_FILENAMES): the reason names the missing driver',
    () => {
      const r = child({
        VK_ICD_FILENAMES: '/nonexistent/icd.json',
        VK_DRIVER_FILES: '/nonexistent/icd.json',
      });
      expect(r.correct).toBe(true);
      expect(r.warnings).toEqual([]);
      expect(r.vulkanError).toMatch(
        /the Vulkan loader found no device \(no driver installed: mesa-vulkan-drivers/,
      );
    },
  );
});

describe.skipIf(!provider)('the Vulkan provider on this machine', () => {
  it('is available where CI requires it', () => {
    if (vulkanRequired()) expect(reason).toBe('');
  });

  it('tensorgrad info shows the device, its type, the driver and the limits used for tiling', () => {
    const lines = infoLines();
    const at = lines.findIndex((l) => /^\s+vulkan\s+float32/.test(l));
    expect(at).toBeGreaterThan(0);
    const info = provider!.info;
    expect(lines[at]).toContain(`'${info.name}' [${info.type}], driver ${info.driver}`);
    expect(lines[at]).toMatch(/GEMM \d+x\d+/);
    const limits = lines.slice(at + 1, at + 4).join('\n');
    expect(limits).toMatch(/maxComputeWorkGroupInvocations \d+/);
    expect(limits).toMatch(/maxComputeSharedMemorySize \d+/);
    expect(limits).toMatch(/maxStorageBufferRange \d+/);
  });

  it('auto never picks a device that is not a GPU, however large the product', () => {
    const blocker = vulkanAutoBlocker(provider!.info);
    if (provider!.info.type === 'cpu')
      expect(blocker).toMatch(/is a CPU implementation of Vulkan, not a GPU/);
    if (blocker === null) return; // a real GPU: covered by the calibration tests below
    expect(provider!.autoMinWork?.('gemm')).toBe(Number.POSITIVE_INFINITY);
    expect(selectProvider(2 * 2048 ** 3, 'float32', 'auto', 'gemm')?.name).not.toBe('vulkan');
    expect(provider!.describe?.()).toMatch(/auto: never \(/);
  });

  it('the crossover measurement runs on the device (informational here: auto ignores it on lavapipe)', () => {
    const cpu = getProvider('native');
    const points = measureCrossover(
      implementationOf(provider!, gemmKernel),
      implementationOf(cpu, gemmKernel),
      [32, 96],
      1,
    );
    expect(points.map((p) => p.size)).toEqual([32, 96]);
    for (const p of points) expect(p.vulkan > 0 && p.cpu > 0).toBe(true);
  });
});

describe('auto and the provider hook', () => {
  it('vulkanAutoBlocker: discrete and integrated GPUs only', () => {
    expect(vulkanAutoBlocker({ name: 'RTX', type: 'discrete-gpu' })).toBeNull();
    expect(vulkanAutoBlocker({ name: 'Iris', type: 'integrated-gpu' })).toBeNull();
    expect(vulkanAutoBlocker({ name: 'llvmpipe', type: 'cpu' })).toMatch(/CPU implementation/);
    expect(vulkanAutoBlocker({ name: 'virgl', type: 'virtual-gpu' })).toMatch(
      /a virtual-gpu device, not a GPU/,
    );
    expect(vulkanAutoBlocker({ name: '?', type: 'other' })).toMatch(/not a GPU/);
  });

  const pt = (size: number, vulkan: number, cpu: number): CalibrationPoint => ({
    size,
    flops: 2 * size ** 3,
    vulkan,
    cpu,
  });
  it('thresholdFrom: from the first size the device wins and keeps winning, between it and the one before', () => {
    const wins256 = [pt(64, 2, 1), pt(128, 2, 1), pt(256, 1, 2), pt(512, 1, 4)];
    expect(thresholdFrom(wins256)).toBe(Math.round(Math.sqrt(2 * 128 ** 3 * 2 * 256 ** 3)));
    expect(thresholdFrom([pt(64, 2, 1), pt(128, 2, 1)])).toBe(Number.POSITIVE_INFINITY);
    expect(thresholdFrom([pt(64, 1, 2), pt(128, 1, 2)])).toBe(2 * 64 ** 3);
    // A loss in between: only the run of wins at the top counts.
    expect(thresholdFrom([pt(64, 1, 2), pt(128, 2, 1), pt(256, 1, 2)])).toBe(
      Math.round(Math.sqrt(2 * 128 ** 3 * 2 * 256 ** 3)),
    );
    // Within 10 %: not a win (noise).
    expect(thresholdFrom([pt(64, 0.95, 1)])).toBe(Number.POSITIVE_INFINITY);
  });

  afterEach(() => {
    unregisterProvider('test-gpu');
    autoPolicy.rules = autoPolicy.rules.filter((r) => r.provider !== 'test-gpu');
    resetVulkan();
  });

  it('selectProvider asks the provider per kernel, and the dispatcher names the kernel', () => {
    const asked: string[] = [];
    const ran: string[] = [];
    const fake: KernelProvider = {
      name: 'test-gpu',
      dtypes: ['float32'],
      kernels: [implement(gemmKernel, () => ran.push('gemm'))],
      autoMinWork: (kernel) => {
        asked.push(kernel);
        return kernel === 'gemm' ? 1000 : Number.POSITIVE_INFINITY;
      },
    };
    registerProvider(fake);
    autoPolicy.rules.unshift({ provider: 'test-gpu', minFlops: 100 });
    expect(selectProvider(50, 'float32', 'auto', 'gemm')?.name).not.toBe('test-gpu'); // under the rule
    expect(asked).toEqual([]); // the rule's floor is checked first
    expect(selectProvider(500, 'float32', 'auto', 'gemm')?.name).not.toBe('test-gpu'); // under the hook
    expect(selectProvider(5000, 'float32', 'auto', 'gemm')?.name).toBe('test-gpu');
    expect(selectProvider(5000, 'float32', 'auto', 'reluBackward')?.name).not.toBe('test-gpu');
    expect(selectProvider(5000, 'float64', 'auto', 'gemm')?.name).not.toBe('test-gpu');
    const f = (n: number) => new Float32Array(n);
    gemm(false, false, 10, 10, 10, 1, f(100), f(100), 0, f(100)); // 2000 flops: on test-gpu
    expect(ran).toEqual(['gemm']);
    expect(asked.at(-1)).toBe('gemm');
  });

  it('TENSORGRAD_VULKAN_* settings are read and checked, naming the variable', () => {
    const saved = { ...process.env };
    try {
      process.env.TENSORGRAD_VULKAN_STAGING = 'always';
      process.env.TENSORGRAD_VULKAN_GEMM = 'shared';
      process.env.TENSORGRAD_VULKAN_DEVICE = '0';
      process.env.TENSORGRAD_VULKAN_AUTO_MIN_FLOPS = '1e9';
      expect(vulkanSettings()).toEqual({ staging: 'always', gemm: 'shared', device: 0, autoMinFlops: 1e9 });
      process.env.TENSORGRAD_VULKAN_STAGING = 'sometimes';
      expect(() => vulkanSettings()).toThrow(
        /TENSORGRAD_VULKAN_STAGING must be one of auto, always, got "sometimes"/,
      );
      process.env.TENSORGRAD_VULKAN_STAGING = '';
      process.env.TENSORGRAD_VULKAN_DEVICE = 'first';
      expect(() => vulkanSettings()).toThrow(/TENSORGRAD_VULKAN_DEVICE must be a device index/);
    } finally {
      for (const k of Object.keys(process.env)) if (k.startsWith('TENSORGRAD_VULKAN_')) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
