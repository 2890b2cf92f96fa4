import { createRequire } from 'node:module';
import { createGpuProviderWith, type GpuJs, type GpuProvider, type GpuProviderOptions } from './provider.js';

/**
 * The Node side of the gpu provider: gpu.js and the optional 'gl' package loaded by require. Kept
 * apart from provider.ts so a page can bundle the provider without node:module.
 */
const requireHere = createRequire(import.meta.url);

function loadGpuJs(): GpuJs {
  try {
    return requireHere('gpu.js') as GpuJs;
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new Error(`gpu.js did not load: ${first}`);
  }
}

function gpuJsVersion(): string {
  try {
    return (requireHere('gpu.js/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}

/** Why headless-gl cannot run here, in one line. */
function probeGl(): string {
  let createContext: unknown;
  try {
    createContext = requireHere('gl');
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return `the optional 'gl' package is not built (${first}); see docs/gpu.md`;
  }
  if (typeof createContext !== 'function') return "the 'gl' package did not export a context factory";
  if (!process.env.DISPLAY) return 'headless-gl has no display: run under xvfb-run -a or set DISPLAY';
  return `headless-gl could not open a WebGL context on DISPLAY=${process.env.DISPLAY} (no GL driver?)`;
}

/**
 * Builds the gpu provider on one gpu.js mode and checks it on a small known product; throws with
 * the reason if the mode cannot start or computes wrongly.
 */
export function createGpuProvider(options: GpuProviderOptions): GpuProvider {
  return createGpuProviderWith({ gpujs: loadGpuJs(), version: gpuJsVersion(), probeGl }, options);
}
