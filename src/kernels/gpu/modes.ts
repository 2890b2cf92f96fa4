/**
 * gpu.js modes tensorgrad knows, best first. `auto` tries them in this order and keeps the first
 * that starts and computes a known product correctly.
 */
export const GPU_MODES = ['headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];
export type GpuModeChoice = GpuMode | 'auto';

export const GPU_MODE_ENV = 'TENSORGRAD_GPU_MODE';

export function isGpuModeChoice(v: string): v is GpuModeChoice {
  return v === 'auto' || (GPU_MODES as readonly string[]).includes(v);
}

export function parseGpuModeChoice(v: string, source: string): GpuModeChoice {
  const mode = v.trim().toLowerCase();
  if (!isGpuModeChoice(mode)) {
    throw new Error(`${source} is '${v}'; expected auto, ${GPU_MODES.join(', ')}`);
  }
  return mode;
}

/**
 * Why a mode cannot run here, or null if it may (the smoke product still has the last word).
 * Reasons are one line each: tests and `tensorgrad info` print them.
 */
export function modeBlocker(
  mode: GpuMode,
  GPU: typeof import('gpu.js').GPU,
  probeGl: () => string = () => 'headless-gl runs only in Node',
): string | null {
  switch (mode) {
    case 'headlessgl':
      return GPU.isHeadlessGLSupported ? null : probeGl();
    case 'webgl2':
      return GPU.isWebGL2Supported ? null : 'no WebGL2 canvas (browser only)';
    case 'webgl':
      return GPU.isWebGLSupported ? null : 'no WebGL canvas (browser only)';
    case 'webgpu':
      if (!GPU.isWebGPUSupported) return 'navigator.gpu is absent';
      // gpu.js 2.24 returns a Promise from every webgpu kernel; the kernel interface is synchronous.
      return 'gpu.js webgpu kernels are asynchronous only and the kernel interface is synchronous';
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'WebAssembly is not supported by this runtime';
    case 'cpu':
      return null;
  }
}
