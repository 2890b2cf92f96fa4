import type { GemmFn } from '../declarations/gemm.js';

/**
 * Where a GPU starts to win: auto sends a product to the Vulkan provider only from the work at
 * which it measured faster than the CPU kernel auto would use otherwise, at that size and every
 * larger one measured. Run once per process, on auto's first large product, and only on a device
 * auto may use at all (a discrete or integrated GPU), so never on lavapipe.
 */

export interface CalibrationPoint {
  size: number;
  flops: number;
  /** Seconds per call, best of the runs. */
  vulkan: number;
  cpu: number;
}

/** Square sizes measured: from where a submission's fixed cost dominates to where it never does. */
export const CALIBRATION_SIZES = [64, 128, 256, 512, 1024];

/** Vulkan must be this much faster to count as winning (noise on a loaded machine). */
const MARGIN = 0.9;

/**
 * The least work from which `vulkan` wins every measured size from there up: the geometric mean of
 * the flops of the last size it loses and the first it wins (as the bench's calibration places
 * boundaries); Infinity if it does not win at the largest size.
 */
export function thresholdFrom(points: readonly CalibrationPoint[]): number {
  const sorted = [...points].sort((a, b) => a.flops - b.flops);
  let first = sorted.length;
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (sorted[i].vulkan < MARGIN * sorted[i].cpu) first = i;
    else break;
  }
  if (first === sorted.length) return Number.POSITIVE_INFINITY;
  if (first === 0) return sorted[0].flops;
  return Math.round(Math.sqrt(sorted[first - 1].flops * sorted[first].flops));
}

function bestSeconds(run: () => void, runs: number): number {
  run(); // first call: pipelines, buffers, caches
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    run();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** Times both gemms on square products and returns the points (see thresholdFrom). */
export function measureCrossover(
  vulkan: GemmFn,
  cpu: GemmFn,
  sizes: readonly number[] = CALIBRATION_SIZES,
  runs = 2,
): CalibrationPoint[] {
  return sizes.map((size) => {
    const a = new Float32Array(size * size).fill(0.5);
    const b = new Float32Array(size * size).fill(0.25);
    const c = new Float32Array(size * size);
    const run = (g: GemmFn) => () => g(false, false, size, size, size, 1, a, b, 0, c);
    return {
      size,
      flops: 2 * size ** 3,
      vulkan: bestSeconds(run(vulkan), runs),
      cpu: bestSeconds(run(cpu), runs),
    };
  });
}
