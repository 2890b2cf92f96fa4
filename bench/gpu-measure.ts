import type { IGPUKernelSettings, IKernelRunShortcut, Texture } from 'gpu.js';
import { denseSource } from '../src/kernels/gpu/sources.js';
import type { GpuProvider } from '../src/kernels/index.js';
import {
  type Activation,
  denseForwardKernel,
  gemmKernel,
  implementationOf,
  type KernelProvider,
} from '../src/kernels/index.js';
import { Generator } from '../src/random.js';

/**
 * Measuring pieces for the gpu provider, importable by `npm run bench` (benchmark.js) as well as
 * by bench/gpu.ts. Every measurement excludes the first call, which compiles the kernel.
 */

export interface Timing {
  /** Median milliseconds per call. */
  ms: number;
  calls: number;
}

function randomFloat32(len: number, rng: Generator): Float32Array {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Calls fn once untimed, then until budgetMs has passed (at least minCalls); the median. */
export function timeCalls(fn: () => void, budgetMs = 2000, minCalls = 3, maxCalls = 10_000): Timing {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minCalls || (performance.now() - start < budgetMs && samples.length < maxCalls)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[samples.length >> 1], calls: samples.length };
}

/** Square n x n x n sgemm: GFLOPS from the median call (upload, kernel and readback included). */
export function gemmGflops(
  provider: KernelProvider,
  n: number,
  budgetMs = 3000,
): Timing & { gflops: number } {
  const rng = new Generator(1);
  const a = randomFloat32(n * n, rng);
  const b = randomFloat32(n * n, rng);
  const c = new Float32Array(n * n);
  const gemm = implementationOf(provider, gemmKernel);
  const t = timeCalls(() => gemm(false, false, n, n, n, 1, a, b, 0, c), budgetMs, 1);
  return { ...t, gflops: (2 * n * n * n) / (t.ms * 1e6) };
}

/** Per-call cost of a product so small that overhead is all there is: (32x10)(10x64), the seed's first layer. */
export function tinyCallOverhead(provider: KernelProvider, budgetMs = 1000): Timing {
  const rng = new Generator(2);
  const a = randomFloat32(32 * 10, rng);
  const b = randomFloat32(10 * 64, rng);
  const c = new Float32Array(32 * 64);
  const gemm = implementationOf(provider, gemmKernel);
  return timeCalls(() => gemm(false, false, 32, 64, 10, 1, a, b, 0, c), budgetMs, 20);
}

export interface PipelineComparison {
  batch: number;
  /** Three denseForward calls: every layer uploads its input and reads its output back. */
  perLayerReadbackMs: number;
  /** The same three layers with gpu.js pipeline kernels: textures stay on the device, one readback. */
  pipelinedMs: number;
  maxAbsDiff: number;
}

/**
 * The seed model's forward pass (10 -> 64 -> 32 -> 1) both ways, to see whether keeping
 * activations on the device between kernels pays on this mode.
 */
export function comparePipeline(provider: GpuProvider, batch: number, budgetMs = 2000): PipelineComparison {
  const rng = new Generator(3);
  const sizes = [10, 64, 32, 1];
  const acts: Activation[] = ['relu', 'relu', 'sigmoid'];
  const x = randomFloat32(batch * sizes[0], rng);
  const ws = sizes.slice(1).map((n, l) => randomFloat32(sizes[l] * n, rng).map((v) => v * 0.3));
  const bs = sizes.slice(1).map((n) => randomFloat32(n, rng));
  const outs = sizes.slice(1).map((n) => new Float32Array(batch * n));

  const perLayer = () => {
    let input = x;
    for (let l = 0; l < 3; l++) {
      implementationOf(provider, denseForwardKernel)(
        batch,
        sizes[l + 1],
        sizes[l],
        input,
        ws[l],
        bs[l],
        acts[l],
        outs[l],
      );
      input = outs[l];
    }
  };

  const { Input } = provider.gpujs;
  const kernels: IKernelRunShortcut[] = sizes.slice(1).map((n, l) => {
    // loopMaxIterations is a gpu.js kernel setting its typings leave out.
    const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
      output: [n, batch],
      constants: { k: sizes[l] },
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: sizes[l] + 1,
      pipeline: true,
      // Each call gets a fresh output texture, so the next layer's input is never overwritten.
      immutable: true,
    };
    return provider.gpu.createKernel(denseSource(acts[l], true), settings);
  });
  const wIn = ws.map((w, l) => new Input(w as unknown as number[], [sizes[l + 1], sizes[l]]));
  let last: Float32Array = new Float32Array(0);
  const pipelined = () => {
    let h: unknown = new Input(x as unknown as number[], [sizes[0], batch]);
    const textures: Texture[] = [];
    for (let l = 0; l < 3; l++) {
      h = kernels[l](h as Float32Array, wIn[l] as unknown as Float32Array, bs[l]);
      if (isTexture(h)) textures.push(h);
    }
    last = flatten(isTexture(h) ? h.toArray() : h);
    for (const t of textures) t.delete();
  };

  const a = timeCalls(perLayer, budgetMs);
  const b = timeCalls(pipelined, budgetMs);
  let maxAbsDiff = 0;
  for (let i = 0; i < batch; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(last[i] - outs[2][i]));
  for (const k of kernels) k.destroy();
  return { batch, perLayerReadbackMs: a.ms, pipelinedMs: b.ms, maxAbsDiff };
}

function isTexture(v: unknown): v is Texture {
  return typeof v === 'object' && v !== null && typeof (v as Texture).toArray === 'function';
}

function flatten(v: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  const rows = v as ArrayLike<number>[];
  const out = new Float32Array(rows.length * (rows[0]?.length ?? 0));
  let o = 0;
  for (const r of rows) for (let j = 0; j < r.length; j++) out[o++] = r[j];
  return out;
}
