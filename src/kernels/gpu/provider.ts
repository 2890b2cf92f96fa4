import type { GPU, IKernelRunShortcut, Kernel, KernelOutput } from 'gpu.js';
import { checkOptions, knownOptions } from '../../options.js';
import { adamStepSize } from '../js/training.js';
import type { Activation, AdamParams, FloatArray, KernelProvider } from '../types.js';
import { GPU_MODES, type GpuMode, modeBlocker, requireHere } from './modes.js';
import { adamSource, columnSumsSource, denseSource, gemmSource, reluBackwardSource } from './sources.js';

type GpuJs = typeof import('gpu.js');

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

export type GpuKernelName = 'gemm' | 'denseForward' | 'reluBackward' | 'columnSums' | 'adamUpdate';

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

function loadGpuJs(): GpuJs {
  try {
    return requireHere('gpu.js') as GpuJs;
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new Error(`gpu.js did not load: ${first}`);
  }
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

/**
 * Builds the gpu provider on one gpu.js mode and checks it on a small known product; throws with
 * the reason if the mode cannot start or computes wrongly.
 */
export function createGpuProvider(options: GpuProviderOptions): GpuProvider {
  checkOptions('createGpuProvider', options, GPU_PROVIDER_OPTIONS);
  const gpujs = loadGpuJs();
  const { GPU: GpuClass, Input } = gpujs;
  // A 2D view of a flat array, [width, height]; gpu.js's typings say number[], it takes typed arrays.
  const input = (value: Float32Array, size: [number, number]) =>
    new Input(value as unknown as number[], size);
  const mode = options.mode;
  if (!GPU_MODES.includes(mode)) throw new Error(`unknown gpu.js mode '${mode}'`);
  const blocker = modeBlocker(mode, GpuClass);
  if (blocker !== null) throw new Error(`gpu.js mode ${mode}: ${blocker}`);
  let gpu: GPU;
  try {
    gpu = new GpuClass({ mode });
  } catch (err) {
    throw new Error(`gpu.js mode ${mode} did not start: ${err instanceof Error ? err.message : String(err)}`);
  }

  const maxKernels = options.maxKernels ?? DEFAULT_MAX_KERNELS;
  const cache = new Map<string, CachedKernel>();
  let compilations = 0;
  const calls: Record<GpuKernelName, number> = {
    gemm: 0,
    denseForward: 0,
    reluBackward: 0,
    columnSums: 0,
    adamUpdate: 0,
  };
  let renderer: string | undefined;

  /** The compiled kernel for key, creating it on first use; least recently used ones are dropped. */
  function kernelFor(key: string, create: () => IKernelRunShortcut): CachedKernel {
    let entry = cache.get(key);
    if (entry) {
      // Re-insert to mark as recently used (Map keeps insertion order).
      cache.delete(key);
      cache.set(key, entry);
      return entry;
    }
    entry = { run: create(), seen: undefined };
    cache.set(key, entry);
    if (cache.size > maxKernels) {
      const oldest = cache.keys().next().value as string;
      cache.get(oldest)?.run.destroy();
      cache.delete(oldest);
    }
    return entry;
  }

  function run(entry: CachedKernel, ...args: Parameters<IKernelRunShortcut>): KernelOutput {
    const out = entry.run(...args) as KernelOutput;
    const now = entry.run.kernel;
    if (now !== entry.seen) {
      compilations++;
      entry.seen = now;
      if (renderer === undefined) renderer = rendererOf(now);
    }
    return out;
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

  const gemm: KernelProvider['gemm'] = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    requireFloat32('gemm', { a, b, c });
    calls.gemm++;
    if (m === 0 || n === 0) return;
    if (k === 0 || alpha === 0) {
      for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
      return;
    }
    const key = `gemm:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${m}x${n}x${k}`;
    const entry = kernelFor(key, () =>
      gpu.createKernel(gemmSource(transA, transB), settings([n, m], { k }, k)),
    );
    const aIn = transA ? input(exact(a, m * k), [m, k]) : input(exact(a, m * k), [k, m]);
    const bIn = transB ? input(exact(b, k * n), [k, n]) : input(exact(b, k * n), [n, k]);
    storeProduct(run(entry, aIn, bIn, alpha), m, n, beta, c);
  };

  const denseForward: NonNullable<KernelProvider['denseForward']> = (m, n, k, x, w, bias, act, out) => {
    requireFloat32('denseForward', bias ? { x, w, bias, out } : { x, w, out });
    calls.denseForward++;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      // act(0 + bias): rare enough that the TypeScript epilogue is the clearest way.
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = bias ? bias[j] : 0;
      applyActivation(act, out, m * n);
      return;
    }
    const key = `dense:${act}:${bias ? 'b' : '-'}:${m}x${n}x${k}`;
    const entry = kernelFor(key, () =>
      gpu.createKernel(denseSource(act, bias !== null), settings([n, m], { k }, k)),
    );
    const xIn = input(exact(x, m * k), [k, m]);
    const wIn = input(exact(w, k * n), [n, k]);
    const result = bias ? run(entry, xIn, wIn, exact(bias, n)) : run(entry, xIn, wIn);
    storeProduct(result, m, n, 0, out);
  };

  const reluBackward: NonNullable<KernelProvider['reluBackward']> = (len, dy, y, out) => {
    requireFloat32('reluBackward', { dy, y, out });
    calls.reluBackward++;
    for (let start = 0; start < len; start += CHUNK) {
      const size = Math.min(CHUNK, len - start);
      const entry = kernelFor(`relu-back:${size}`, () =>
        gpu.createKernel(reluBackwardSource, settings([size], {}, 0)),
      );
      const d = (dy as Float32Array).subarray(start, start + size);
      const yy = (y as Float32Array).subarray(start, start + size);
      out.set(rowsOf(run(entry, d, yy))[0].subarray(0, size), start);
    }
  };

  const columnSums: NonNullable<KernelProvider['columnSums']> = (m, n, x, out) => {
    requireFloat32('columnSums', { x, out });
    calls.columnSums++;
    if (n === 0) return;
    if (m === 0) {
      out.fill(0, 0, n);
      return;
    }
    const entry = kernelFor(`colsum:${m}x${n}`, () =>
      gpu.createKernel(columnSumsSource, settings([n], { m }, m)),
    );
    out.set(rowsOf(run(entry, input(exact(x, m * n), [n, m])))[0].subarray(0, n));
  };

  const adamUpdate: NonNullable<KernelProvider['adamUpdate']> = (len, param, grad, m, v, hp) => {
    requireFloat32('adamUpdate', { param, grad, m, v });
    calls.adamUpdate++;
    const scalars = adamScalars(hp);
    for (let start = 0; start < len; start += CHUNK) {
      const size = Math.min(CHUNK, len - start);
      const entry = kernelFor(`adam:${size}`, () =>
        gpu.createKernel(adamSource, settings([3 * size], { len: size }, 0)),
      );
      const part = (arr: FloatArray) => (arr as Float32Array).subarray(start, start + size);
      const r = rowsOf(run(entry, part(param), part(grad), part(m), part(v), ...scalars))[0];
      param.set(r.subarray(0, size), start);
      m.set(r.subarray(size, 2 * size), start);
      v.set(r.subarray(2 * size, 3 * size), start);
    }
  };

  const version = (() => {
    try {
      return (requireHere('gpu.js/package.json') as { version: string }).version;
    } catch {
      return '?';
    }
  })();
  const skipped = options.skipped ?? [];

  const provider: GpuProvider = {
    name: 'gpu',
    dtypes: ['float32'],
    gemm,
    denseForward,
    reluBackward,
    columnSums,
    adamUpdate,
    mode,
    get compilations() {
      return compilations;
    },
    get cachedKernels() {
      return cache.size;
    },
    calls,
    skipped,
    gpu,
    gpujs,
    describe() {
      const where = renderer ? ` on ${renderer}` : '';
      const skips = skipped.length
        ? `; skipped ${skipped.map((s) => `${s.mode} (${s.reason})`).join(', ')}`
        : '';
      return `gpu.js ${version}, mode ${mode}${where}, float32, ${compilations} kernels compiled${skips}`;
    },
    destroy() {
      for (const entry of cache.values()) entry.run.destroy();
      cache.clear();
      void gpu.destroy().catch(() => undefined);
    },
  };

  smokeTest(provider);
  return provider;
}

function adamScalars(hp: AdamParams): number[] {
  return [adamStepSize(hp), hp.beta1, 1 - hp.beta1, hp.beta2, 1 - hp.beta2, hp.epsilon];
}

function applyActivation(act: Activation, out: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) {
    const v = out[i];
    if (act === 'relu') out[i] = v > 0 ? v : 0;
    else if (act === 'sigmoid') out[i] = 1 / (1 + Math.exp(-v));
    else if (act === 'tanh') out[i] = Math.tanh(v);
  }
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
  try {
    provider.gemm(false, false, 2, 2, 3, 1, a, b, 0, c);
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
