import { createGpuProvider, GPU_MODES, type GpuMode, type GpuProvider } from '../../src/kernels/index.js';

export interface GpuModeProbe {
  mode: GpuMode;
  provider?: GpuProvider;
  reason?: string;
}

/** Modes CI insists on (comma-separated TENSORGRAD_REQUIRE_GPU_MODES), so a broken gl build fails. */
export function requiredGpuModes(): GpuMode[] {
  const raw = process.env.TENSORGRAD_REQUIRE_GPU_MODES ?? '';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (!(GPU_MODES as readonly string[]).includes(s)) {
        throw new Error(`TENSORGRAD_REQUIRE_GPU_MODES names '${s}'; modes are ${GPU_MODES.join(', ')}`);
      }
      return s as GpuMode;
    });
}

let probes: GpuModeProbe[] | undefined;

/**
 * Starts the gpu provider on every gpu.js mode that can run here and prints one line per mode it
 * skipped, with the reason: a skipped mode is never silent.
 */
export function probeGpuModes(): GpuModeProbe[] {
  if (probes) return probes;
  probes = GPU_MODES.map((mode) => {
    try {
      return { mode, provider: createGpuProvider({ mode }) };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      console.warn(`gpu tests: skipping mode ${mode}: ${reason}`);
      return { mode, reason };
    }
  });
  return probes;
}
