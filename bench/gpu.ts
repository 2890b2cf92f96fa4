/**
 * gpu provider measurements per gpu.js mode: sgemm GFLOPS at 256 and 1024, the per-call cost of
 * a tiny product, and whether pipeline mode (textures kept on the device) pays.
 *
 *     npm run bench:gpu                       # every mode that starts here
 *     xvfb-run -a npm run bench:gpu           # include headlessgl (software GL without a display)
 *     npm run bench:gpu -- --modes webasm,cpu --sizes 256
 */
import { createGpuProvider, GPU_MODES, type GpuMode } from '../src/kernels/index.js';
import { comparePipeline, gemmGflops, tinyCallOverhead } from './gpu-measure.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const modes = (arg('modes')?.split(',') ?? [...GPU_MODES]) as GpuMode[];
const sizes = (arg('sizes') ?? '256,1024').split(',').map(Number);

for (const mode of modes) {
  let provider: ReturnType<typeof createGpuProvider>;
  try {
    provider = createGpuProvider({ mode });
  } catch (err) {
    console.log(`${mode}: skipped (${err instanceof Error ? err.message : String(err)})`);
    continue;
  }
  console.log(`${mode}: ${provider.describe?.()}`);
  for (const n of sizes) {
    const g = gemmGflops(provider, n);
    console.log(
      `  sgemm ${n}: ${g.gflops.toFixed(2)} GFLOPS (${g.ms.toFixed(1)} ms/call, median of ${g.calls})`,
    );
  }
  const t = tinyCallOverhead(provider);
  console.log(`  tiny product 32x10 by 10x64: ${(t.ms * 1000).toFixed(0)} us/call (median of ${t.calls})`);
  for (const batch of [32, 1024]) {
    const p = comparePipeline(provider, batch);
    console.log(
      `  seed forward, batch ${batch}: per-layer readback ${p.perLayerReadbackMs.toFixed(2)} ms, ` +
        `pipelined ${p.pipelinedMs.toFixed(2)} ms (x${(p.perLayerReadbackMs / p.pipelinedMs).toFixed(2)}), ` +
        `max |diff| ${p.maxAbsDiff.toExponential(1)}`,
    );
  }
  provider.destroy();
}
