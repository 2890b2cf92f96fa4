import type { GPU, IKernelRunShortcut, Kernel, KernelOutput } from 'gpu.js';
import { checkOptions, knownOptions } from '../../options.js';
import { type AdamUpdateFn, adamStepSize, adamUpdateKernel } from '../declarations/adam-update.js';
import { type ColumnSumsFn, columnSumsKernel } from '../declarations/column-sums.js';
import { type DenseForwardFn, denseForwardKernel } from '../declarations/dense-forward.js';
import { type GemmFn, gemmKernel, scaleC } from '../declarations/gemm.js';
import { type ReluBackwardFn, reluBackwardKernel } from '../declarations/relu-backward.js';
import { type SigmoidBackwardFn, sigmoidBackwardKernel } from '../declarations/sigmoid-backward.js';
import { applyBiasActivation } from '../js/activations.js';
import { implement } from '../kernel.js';
import type { KernelProvider } from '../table.js';
import type { AdamParams, FloatArray } from '../types.js';
import { GPU_MODES, type GpuMode, modeBlocker } from './modes.js';
import {
  adamSource,
  columnSumsSource,
  denseSource,
  gemmSource,
  reluBackwardSource,
  sigmoidBackwardSource,
} from './sources.js';

export type GpuJs = typeof import('gpu.js');

/** Kernels kept compiled at once; a training run uses a handful of shapes, parity tests many. */
const DEFAULT_MAX_KERNELS = 64;
/** Elementwise kernels run in chunks of this many elements so one compiled kernel serves any length. */
const CHUNK = 16384;

export interface GpuProviderOptions {
  /** A concrete gpu.js mode; the caller (the loader) resolves 'auto'. */
  mode: GpuMode;
  /** Modes tried before this one and why they were skipped, for `describe()`. */
  skipped?: ReadonlyArray<{ mode: GpuMode; reason: string }>;
  maxKernels?: number;
}

const GPU_PROVIDER_OPTIONS = knownOptions<GpuProviderOptions>({
  mode: true,
  skipped: true,
  maxKernels: true,
});

interface CachedKernel {
  run: IKernelRunShortcut;
  /** The gpu.js Kernel instance last seen behind `run`; a new one means gpu.js recompiled. */
  seen: Kernel | undefined;
}

export type GpuKernelName =
  | 'gemm'
  | 'denseForward'
  | 'reluBackward'
  | 'sigmoidBackward'
  | 'columnSums'
  | 'adamUpdate';

export interface GpuProvider extends KernelProvider {
  readonly mode: GpuMode;
  /** Kernel compilations so far (first builds and any gpu.js switches to a new kernel). */
  readonly compilations: number;
  readonly cachedKernels: number;
  /**
   * Calls of each kernel entry point so far (the smoke test's one gemm included), so a caller can
   * see which work actually ran here rather than on a fallback.
   */
  readonly calls: Readonly<Record<GpuKernelName, number>>;
  readonly skipped: ReadonlyArray<{ mode: GpuMode; reason: string }>;
  /** The gpu.js instance, for measurements that go past the flat-array interface (bench). */
  readonly gpu: GPU;
  readonly gpujs: GpuJs;
  destroy(): void;
}

/** A gpu.js instance on the given mode, or an error saying why the mode cannot run. */
function startGpu(gpujs: GpuJs, mode: GpuMode, probeGl?: () => string): GPU {
  if (!GPU_MODES.includes(mode)) throw new Error(`unknown gpu.js mode '${mode}'`);
  const blocker = modeBlocker(mode, gpujs.GPU, probeGl);
  if (blocker !== null) throw new Error(`gpu.js mode ${mode}: ${blocker}`);
  try {
    return new gpujs.GPU({ mode });
  } catch (err) {
    throw new Error(`gpu.js mode ${mode} did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Compiled kernels by key (kernel and shape), least recently used dropped past `maxKernels`, and
 * the count of compilations: what every kernel function below shares.
 */
class KernelCache {
  readonly entries = new Map<string, CachedKernel>();
  compilations = 0;
  renderer: string | undefined;

  constructor(
    readonly gpu: GPU,
    readonly gpujs: GpuJs,
    private readonly maxKernels: number,
  ) {}

  /** The compiled kernel for key, creating it on first use. */
  get(key: string, create: () => IKernelRunShortcut): CachedKernel {
    let entry = this.entries.get(key);
    if (entry) {
      // Re-insert to mark as recently used (Map keeps insertion order).
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
    entry = { run: create(), seen: undefined };
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKernels) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.get(oldest)?.run.destroy();
      this.entries.delete(oldest);
    }
    return entry;
  }

  /** Runs a cached kernel, counting a compilation whenever gpu.js built a new kernel behind it. */
  run(entry: CachedKernel, ...args: Parameters<IKernelRunShortcut>): KernelOutput {
    const out = entry.run(...args) as KernelOutput;
    const now = entry.run.kernel;
    if (now !== entry.seen) {
      this.compilations++;
      entry.seen = now;
      if (this.renderer === undefined) this.renderer = rendererOf(now);
    }
    return out;
  }

  /** A 2D view of a flat array, [width, height]; gpu.js's typings say number[], it takes typed arrays. */
  input(value: Float32Array, size: [number, number]) {
    return new this.gpujs.Input(value as unknown as number[], size);
  }

  destroy(): void {
    for (const entry of this.entries.values()) entry.run.destroy();
    this.entries.clear();
  }
}

function settings(output: number[], constants: Record<string, number>, loop: number) {
  return {
    output,
    constants,
    precision: 'single' as const,
    tactic: 'precision' as const,
    // GL backends cap loops at this; sizes are constants, so it only needs to cover the bound.
    loopMaxIterations: Math.max(loop, 1) + 1,
  };
}

/** Rows of a 2D gpu.js result, or the one array of a 1D result. */
function rowsOf(out: KernelOutput): Float32Array[] {
  if (out instanceof Float32Array) return [out];
  return out as unknown as Float32Array[];
}

/** Copies an m x n result into c as alpha-scaled product + beta * C (beta = 0 never reads C). */
function storeProduct(result: KernelOutput, m: number, n: number, beta: number, c: FloatArray): void {
  const rows = rowsOf(result);
  if (rows.length === 1 && m > 1) {
    // A flat result (gpu.js collapses some shapes): treat it as m*n in row-major order.
    storeFlat(rows[0], m * n, beta, c, 0);
    return;
  }
  for (let i = 0; i < m; i++) storeFlat(rows[i], n, beta, c, i * n);
}

function storeFlat(src: Float32Array, len: number, beta: number, c: FloatArray, offset: number): void {
  if (beta === 0) {
    c.set(src.length === len ? src : src.subarray(0, len), offset);
    return;
  }
  for (let j = 0; j < len; j++) c[offset + j] = src[j] + beta * c[offset + j];
}

function requireFloat32(op: string, arrays: Record<string, FloatArray>): void {
  for (const [name, arr] of Object.entries(arrays)) {
    if (!(arr instanceof Float32Array)) {
      throw new Error(`gpu ${op}: ${name} must be a Float32Array (the gpu provider computes float32 only)`);
    }
  }
}

/** Exactly len elements: gpu.js sizes its textures from the array, so a longer one would recompile. */
function exact(arr: FloatArray, len: number): Float32Array {
  const f = arr as Float32Array;
  return f.length === len ? f : f.subarray(0, len);
}

/** Elements [start, start + size) of a float32 array. */
function part(arr: FloatArray, start: number, size: number): Float32Array {
  return (arr as Float32Array).subarray(start, start + size);
}

function gpuGemm(cache: KernelCache): GemmFn {
  return (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    requireFloat32('gemm', { a, b, c });
    if (m === 0 || n === 0) return;
    if (k === 0 || alpha === 0) return scaleC(c, m * n, beta);
    const key = `gemm:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${m}x${n}x${k}`;
    const entry = cache.get(key, () =>
      cache.gpu.createKernel(gemmSource(transA, transB), settings([n, m], { k }, k)),
    );
    const aIn = cache.input(exact(a, m * k), transA ? [m, k] : [k, m]);
    const bIn = cache.input(exact(b, k * n), transB ? [k, n] : [n, k]);
    storeProduct(cache.run(entry, aIn, bIn, alpha), m, n, beta, c);
  };
}

function gpuDenseForward(cache: KernelCache): DenseForwardFn {
  return (m, n, k, x, w, bias, act, out) => {
    requireFloat32('denseForward', bias ? { x, w, bias, out } : { x, w, out });
    if (m === 0 || n === 0) return;
    if (k === 0) {
      // act(0 + bias): rare enough that the TypeScript epilogue is the clearest way.
      out.fill(0, 0, m * n);
      return applyBiasActivation(m, n, bias, act, out);
    }
    const key = `dense:${act}:${bias ? 'b' : '-'}:${m}x${n}x${k}`;
    const entry = cache.get(key, () =>
      cache.gpu.createKernel(denseSource(act, bias !== null), settings([n, m], { k }, k)),
    );
    const xIn = cache.input(exact(x, m * k), [k, m]);
    const wIn = cache.input(exact(w, k * n), [n, k]);
    const result = bias ? cache.run(entry, xIn, wIn, exact(bias, n)) : cache.run(entry, xIn, wIn);
    storeProduct(result, m, n, 0, out);
  };
}

/** An elementwise derivative out = f(dy, y), in chunks of CHUNK elements (one compiled kernel each). */
function gpuElementwiseBackward(cache: KernelCache, name: string, source: string): ReluBackwardFn {
  return (len, dy, y, out) => {
    requireFloat32(name, { dy, y, out });
    for (let start = 0; start < len; start += CHUNK) {
      const size = Math.min(CHUNK, len - start);
      const entry = cache.get(`${name}:${size}`, () =>
        cache.gpu.createKernel(source, settings([size], {}, 0)),
      );
      out.set(
        rowsOf(cache.run(entry, part(dy, start, size), part(y, start, size)))[0].subarray(0, size),
        start,
      );
    }
  };
}

const gpuReluBackward = (cache: KernelCache): ReluBackwardFn =>
  gpuElementwiseBackward(cache, 'reluBackward', reluBackwardSource);
const gpuSigmoidBackward = (cache: KernelCache): SigmoidBackwardFn =>
  gpuElementwiseBackward(cache, 'sigmoidBackward', sigmoidBackwardSource);

function gpuColumnSums(cache: KernelCache): ColumnSumsFn {
  return (m, n, x, out) => {
    requireFloat32('columnSums', { x, out });
    if (n === 0) return;
    if (m === 0) {
      out.fill(0, 0, n);
      return;
    }
    const entry = cache.get(`colsum:${m}x${n}`, () =>
      cache.gpu.createKernel(columnSumsSource, settings([n], { m }, m)),
    );
    out.set(rowsOf(cache.run(entry, cache.input(exact(x, m * n), [n, m])))[0].subarray(0, n));
  };
}

function adamScalars(hp: AdamParams): number[] {
  return [adamStepSize(hp), hp.beta1, 1 - hp.beta1, hp.beta2, 1 - hp.beta2, hp.epsilon];
}

function gpuAdamUpdate(cache: KernelCache): AdamUpdateFn {
  return (len, param, grad, m, v, hp) => {
    requireFloat32('adamUpdate', { param, grad, m, v });
    const scalars = adamScalars(hp);
    for (let start = 0; start < len; start += CHUNK) {
      const size = Math.min(CHUNK, len - start);
      const entry = cache.get(`adam:${size}`, () =>
        cache.gpu.createKernel(adamSource, settings([3 * size], { len: size }, 0)),
      );
      const parts = [param, grad, m, v].map((arr) => part(arr, start, size));
      const r = rowsOf(cache.run(entry, ...parts, ...scalars))[0];
      param.set(r.subarray(0, size), start);
      m.set(r.subarray(size, 2 * size), start);
      v.set(r.subarray(2 * size, 3 * size), start);
    }
  };
}

/** Wraps a kernel function so each call is counted under its name. */
function counted<F extends (...args: never[]) => void>(
  calls: Record<GpuKernelName, number>,
  name: GpuKernelName,
  fn: F,
): F {
  return ((...args: Parameters<F>) => {
    calls[name]++;
    fn(...args);
  }) as F;
}

/** What the host gives the provider: in Node, gpu.js loaded by require (gpu/node.ts); in a page, the bundled gpu.js. */
export interface GpuHost {
  gpujs: GpuJs;
  /** gpu.js's version, for describe(). */
  version?: string;
  /** Why headless-gl cannot open a context here (Node only). */
  probeGl?: () => string;
}

/**
 * Builds the gpu provider on one gpu.js mode and checks it on a small known product; throws with
 * the reason if the mode cannot start or computes wrongly. Imports nothing of Node, so a page can
 * bundle it with gpu.js's browser build.
 */
export function createGpuProviderWith(host: GpuHost, options: GpuProviderOptions): GpuProvider {
  checkOptions('createGpuProvider', options, GPU_PROVIDER_OPTIONS);
  const gpujs = host.gpujs;
  const mode = options.mode;
  const gpu = startGpu(gpujs, mode, host.probeGl);
  const cache = new KernelCache(gpu, gpujs, options.maxKernels ?? DEFAULT_MAX_KERNELS);
  const calls: Record<GpuKernelName, number> = {
    gemm: 0,
    denseForward: 0,
    reluBackward: 0,
    sigmoidBackward: 0,
    columnSums: 0,
    adamUpdate: 0,
  };
  const version = host.version ?? '?';
  const skipped = options.skipped ?? [];
  const provider: GpuProvider = {
    name: 'gpu',
    dtypes: ['float32'],
    kernels: [
      implement(gemmKernel, counted(calls, 'gemm', gpuGemm(cache))),
      implement(denseForwardKernel, counted(calls, 'denseForward', gpuDenseForward(cache))),
      implement(reluBackwardKernel, counted(calls, 'reluBackward', gpuReluBackward(cache))),
      implement(sigmoidBackwardKernel, counted(calls, 'sigmoidBackward', gpuSigmoidBackward(cache))),
      implement(columnSumsKernel, counted(calls, 'columnSums', gpuColumnSums(cache))),
      implement(adamUpdateKernel, counted(calls, 'adamUpdate', gpuAdamUpdate(cache))),
    ],
    mode,
    get compilations() {
      return cache.compilations;
    },
    get cachedKernels() {
      return cache.entries.size;
    },
    calls,
    skipped,
    gpu,
    gpujs,
    describe() {
      const where = cache.renderer ? ` on ${cache.renderer}` : '';
      const skips = skipped.length
        ? `; skipped ${skipped.map((s) => `${s.mode} (${s.reason})`).join(', ')}`
        : '';
      return `gpu.js ${version}, mode ${mode}${where}, float32, ${cache.compilations} kernels compiled${skips}`;
    },
    destroy() {
      cache.destroy();
      void gpu.destroy().catch(() => undefined);
    },
  };
  smokeTest(provider);
  return provider;
}

/** The GL renderer string when the kernel runs on WebGL, so users see "llvmpipe" for software GL. */
function rendererOf(kernel: Kernel): string | undefined {
  const gl = (kernel as { context?: WebGLLike }).context;
  if (!gl || typeof gl.getParameter !== 'function') return undefined;
  try {
    const dbg = gl.getExtension?.('WEBGL_debug_renderer_info');
    const name = dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(0x1f01);
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

interface WebGLLike {
  getParameter(p: number): unknown;
  getExtension?(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
}

/** A 2x3 by 3x2 product with a known answer: a mode that starts but computes garbage is rejected. */
function smokeTest(provider: GpuProvider): void {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([7, 8, 9, 10, 11, 12]);
  const c = new Float32Array(4);
  const want = [58, 64, 139, 154];
  const gemm = provider.kernels.find((k) => k.kernel === gemmKernel)?.run as GemmFn;
  try {
    gemm(false, false, 2, 2, 3, 1, a, b, 0, c);
  } catch (err) {
    provider.destroy();
    throw new Error(
      `gpu.js mode ${provider.mode} failed its first kernel: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  }
  if (want.some((w, i) => Math.abs(c[i] - w) > 1e-3)) {
    provider.destroy();
    throw new Error(`gpu.js mode ${provider.mode} computed [${[...c]}] for a product that is [${want}]`);
  }
}
