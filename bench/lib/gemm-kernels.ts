// Every matrix-multiply implementation the bench compares, behind one shape: prepare inputs for a
// product, then run it. tensorgrad providers are called through the dispatcher (as ops call them).

import * as kernels from '../../src/kernels/index.js';
import {
  type Dtype,
  type FloatArray,
  gemm,
  gemmKernel,
  getProvider,
  implementationOf,
  type KernelProvider,
  setVulkanOptions,
  type VulkanProvider,
} from '../../src/kernels/index.js';
import { setNativeThreads } from '../../src/kernels/native/provider.js';
import { loadOpenBlas, OPENBLAS_IDLE_SPIN_MS, type OpenBlasAddon, settle } from '../measure.mjs';
import type { GemmShape } from './shapes.js';
import type { Measured, RunOptions } from './stats.js';
import { loadTfjs, type TfBackend, useTfBackend } from './tfjs.js';
import { startTorchPeer, type TorchPeer, type TorchStart } from './torch.js';

export type KernelName =
  | 'js-naive'
  | 'js'
  | 'native'
  | 'gpu'
  | 'vulkan'
  | 'openblas'
  | 'tfjs-cpu'
  | 'tfjs-wasm'
  | 'torch'
  | 'auto';

export interface Prepared {
  run: () => void;
  /**
   * Takes the samples itself (seconds per call) instead of benchmark.js timing run: a peer in
   * another process, where a round trip per call would time the pipe.
   */
  measure?: (o: RunOptions) => Promise<Measured>;
  dispose?: () => void;
}

export interface GemmCompetitor {
  kernel: KernelName;
  threads: number;
  /** gpu.js mode of a gpu competitor; the GEMM variant of a vulkan one. */
  mode?: string;
  /** Column name in the table: 'native x1', 'gpu webasm', ... */
  label: string;
  dtypes: readonly Dtype[];
  /** Called before each of this competitor's runs (thread counts, tfjs backend). */
  before?: () => Promise<void> | void;
  /** Called after each of its runs, before the next competitor is timed. */
  after?: () => void;
  /**
   * Shapes this competitor is measured on however long a call takes (the bench's skip limit does
   * not apply): the comparison a goal is stated in, such as Vulkan against headlessgl at 512^3
   * and 1024^3.
   */
  required?: (shape: GemmShape) => boolean;
  prepare(shape: GemmShape, a: FloatArray, b: FloatArray, c: FloatArray): Prepared | Promise<Prepared>;
}

export interface Absent {
  kernel: KernelName;
  label: string;
  reason: string;
}

export interface Competitors {
  list: GemmCompetitor[];
  absent: Absent[];
  /** Cores this process may use ("all threads"). */
  cores: number;
  notes: string[];
  versions: Record<string, string>;
  /** The PyTorch peer (training rows use it too), or why it is absent; null when not asked for. */
  torch: TorchStart | null;
}

function viaDispatcher(name: string): GemmCompetitor['prepare'] {
  return (s, a, b, c) => ({
    run: () => gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, b, 0, c, name),
  });
}

function direct(p: KernelProvider): GemmCompetitor['prepare'] {
  const gemm = implementationOf(p, gemmKernel);
  return (s, a, b, c) => ({ run: () => gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, b, 0, c) });
}

interface GpuApi {
  GPU_MODES: readonly string[];
  createGpuProvider(o: { mode: string }): KernelProvider & { mode: string; destroy(): void };
}

/** The gpu provider's module, once the gpu branch is merged (its API is probed, not assumed). */
export function gpuApi(): GpuApi | null {
  const k = kernels as unknown as Partial<GpuApi>;
  return k.createGpuProvider && k.GPU_MODES ? (k as GpuApi) : null;
}

/** The Vulkan column's name: 'vulkan' and the device ('vulkan llvmpipe', 'vulkan NVIDIA GeForce ...'). */
export function vulkanLabel(p: VulkanProvider): string {
  return `vulkan ${p.info.name.replace(/\s*\(.*$/, '')}`;
}

/**
 * The Vulkan provider through the dispatcher, as ops call it, with the GEMM variant it picks for
 * its device; on a CPU device (lavapipe) also the shared-memory variant a GPU would run, as its
 * own column, so the cost of shared memory there is measured rather than asserted.
 */
function vulkanCompetitors(notes: string[], absent: Absent[], main: boolean): GemmCompetitor[] {
  let p: VulkanProvider;
  try {
    setVulkanOptions({ gemm: 'auto' });
    p = getProvider('vulkan') as VulkanProvider;
  } catch (err) {
    absent.push({ kernel: 'vulkan', label: 'vulkan', reason: String((err as Error).message) });
    return [];
  }
  notes.push(`vulkan: ${p.describe?.() ?? ''}`);
  const label = vulkanLabel(p);
  const variant = (gemm: 'auto' | 'shared') => () => setVulkanOptions({ gemm });
  // Pipelines compile on first use (seconds on lavapipe): outside the timed runs.
  const warmUp = () => {
    const x = new Float32Array(70 * 70);
    for (const t of [false, true]) gemm(t, t, 70, 70, 70, 1, x, x, 0, new Float32Array(70 * 70), 'vulkan');
  };
  warmUp();
  const list: GemmCompetitor[] = [
    {
      kernel: 'vulkan',
      threads: 1,
      mode: p.info.gemmVariant,
      label,
      dtypes: p.dtypes,
      before: variant('auto'),
      prepare: viaDispatcher('vulkan'),
      required: comparisonShape,
    },
  ];
  if (main && p.info.gemmVariant !== 'shared') {
    variant('shared')();
    warmUp();
    variant('auto')();
    list.push({
      kernel: 'vulkan',
      threads: 1,
      mode: 'shared',
      label: `${label} shared`,
      dtypes: p.dtypes,
      before: variant('shared'),
      after: variant('auto'),
      prepare: viaDispatcher('vulkan'),
    });
  }
  return list;
}

/** The square sizes the Vulkan GEMM is compared with gpu.js's headlessgl mode at (issue 17). */
export const VULKAN_COMPARISON_SIZES = [512, 1024];
const comparisonShape = (s: GemmShape) => s.group === 'square' && VULKAN_COMPARISON_SIZES.includes(s.m);

export interface Wanted {
  /** tensorgrad providers only (calibration), or every competitor. */
  tensorgradOnly?: boolean;
  /** Include the 'auto' choice (for the auto-vs-best check). */
  auto?: boolean;
  /** Start the PyTorch peer (default true; TENSORGRAD_BENCH_TORCH=0 also turns it off). */
  torch?: boolean;
}

export async function buildCompetitors(want: Wanted = {}): Promise<Competitors> {
  const list: GemmCompetitor[] = [];
  const absent: Absent[] = [];
  const notes: string[] = [];
  const versions: Record<string, string> = {};
  const cores = (await import('node:os')).availableParallelism();
  const both: Dtype[] = ['float32', 'float64'];

  list.push({
    kernel: 'js-naive',
    threads: 1,
    label: 'js-naive',
    dtypes: both,
    prepare: viaDispatcher('js-naive'),
  });
  list.push({ kernel: 'js', threads: 1, label: 'js', dtypes: both, prepare: viaDispatcher('js') });

  let native: KernelProvider | null = null;
  try {
    native = getProvider('native');
    notes.push(`native: ${native.describe?.() ?? 'C++ addon'}`);
  } catch (err) {
    absent.push({ kernel: 'native', label: 'native', reason: String((err as Error).message) });
  }
  if (native) {
    const threadCounts = want.tensorgradOnly ? [cores] : [...new Set([1, cores])];
    for (const t of threadCounts) {
      list.push({
        kernel: 'native',
        threads: t,
        label: `native x${t}`,
        dtypes: native.dtypes,
        before: () => setNativeThreads(t),
        prepare: viaDispatcher('native'),
      });
    }
  }

  const gpu = gpuApi();
  if (!gpu) {
    absent.push({ kernel: 'gpu', label: 'gpu', reason: 'no gpu provider in this build (src/kernels/gpu)' });
  } else {
    for (const mode of gpu.GPU_MODES) {
      try {
        const p = gpu.createGpuProvider({ mode });
        notes.push(`gpu ${mode}: ${p.describe?.() ?? ''}`);
        list.push({
          kernel: 'gpu',
          threads: 1,
          mode,
          label: `gpu ${mode}`,
          dtypes: p.dtypes,
          prepare: direct(p),
          ...(mode === 'headlessgl' ? { required: comparisonShape } : {}),
        });
      } catch (err) {
        absent.push({
          kernel: 'gpu',
          label: `gpu ${mode}`,
          reason: String((err as Error).message).split('\n')[0],
        });
      }
    }
  }

  // The shared-memory column is for the tables, not for calibration (auto uses the device's own).
  list.push(...vulkanCompetitors(notes, absent, !want.tensorgradOnly));

  if (want.auto) {
    list.push({
      kernel: 'auto',
      threads: cores,
      label: 'auto',
      dtypes: both,
      before: () => (native ? setNativeThreads(cores) : undefined),
      prepare: viaDispatcher('auto'),
    });
  }
  if (want.tensorgradOnly) return { list, absent, cores, notes, versions, torch: null };

  const blas = loadOpenBlas();
  if (blas.addon) {
    const addon: OpenBlasAddon = blas.addon;
    notes.push(
      `openblas: ${addon.config().trim()} (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'auto'})`,
    );
    for (const t of [...new Set([1, cores])]) {
      list.push({
        kernel: 'openblas',
        threads: t,
        label: `openblas x${t}`,
        dtypes: ['float32'],
        before: () => addon.setThreads(t),
        // Its idle workers spin on a core for ~125 ms after a multithreaded call.
        ...(t > 1 ? { after: () => settle(OPENBLAS_IDLE_SPIN_MS) } : {}),
        prepare: (s, a, b, c) => ({
          run: () =>
            addon.sgemm(
              s.transA,
              s.transB,
              s.m,
              s.n,
              s.k,
              1,
              a as Float32Array,
              b as Float32Array,
              0,
              c as Float32Array,
            ),
        }),
      });
    }
  } else {
    absent.push({ kernel: 'openblas', label: 'openblas', reason: blas.reason });
  }

  try {
    const info = await loadTfjs();
    const tf = info.tf;
    versions['@tensorflow/tfjs'] = info.version;
    versions['@tensorflow/tfjs-backend-wasm'] = info.wasmVersion;
    notes.push(
      `tfjs-wasm: SIMD ${info.wasm.simd ? 'on' : 'off'}, ${info.wasm.threads} thread(s)` +
        (info.wasm.multithread
          ? ''
          : ' (the threaded wasm build needs workers + SharedArrayBuffer, absent in Node)'),
    );
    const tfCompetitor = (backend: TfBackend, threads: number): GemmCompetitor => ({
      kernel: backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm',
      threads,
      label: `tfjs-${backend}`,
      dtypes: ['float32'],
      before: () => useTfBackend(tf, backend),
      prepare: (s, a, b) => {
        // Tensors made once per shape on this backend; the timed call is matMul (eager and
        // synchronous on both backends) and freeing its output.
        const ta = tf.tensor2d(a as Float32Array, s.transA ? [s.k, s.m] : [s.m, s.k]);
        const tb = tf.tensor2d(b as Float32Array, s.transB ? [s.n, s.k] : [s.k, s.n]);
        return {
          run: () => tf.matMul(ta, tb, s.transA, s.transB).dispose(),
          dispose: () => {
            ta.dispose();
            tb.dispose();
          },
        };
      },
    });
    list.push(tfCompetitor('cpu', 1));
    list.push(tfCompetitor('wasm', info.wasm.threads));
  } catch (err) {
    absent.push({ kernel: 'tfjs-cpu', label: 'tfjs', reason: String((err as Error).message) });
  }

  let torch: TorchStart | null = null;
  if (want.torch !== false) {
    torch = await startTorchPeer();
    if (torch.peer) {
      const info = torch.peer.info;
      versions.torch = info.package ? `${info.torch} (python3-torch ${info.package})` : info.torch;
      notes.push(
        `torch: ${versions.torch} in ${info.executable} (python ${info.python}); torch.mm calls ${info.blas}`,
      );
      list.push(...torchCompetitors(torch.peer, cores));
    } else absent.push({ kernel: 'torch', label: 'torch', reason: torch.absent });
  }
  return { list, absent, cores, notes, versions, torch };
}

/** torch.mm in the peer process, on 1 thread and on all cores, as the OpenBLAS columns. */
export function torchCompetitors(peer: TorchPeer, cores: number): GemmCompetitor[] {
  return [...new Set([1, cores])].map((t) => ({
    kernel: 'torch',
    threads: t,
    label: `torch x${t}`,
    dtypes: ['float32'],
    // Its torch.mm is OpenBLAS (Debian's libblas), whose idle workers spin as the reference's do.
    ...(t > 1 ? { after: () => settle(OPENBLAS_IDLE_SPIN_MS) } : {}),
    prepare: async (s) => {
      const handle = await peer.setupMm(s);
      return {
        run: () => {
          throw new Error('torch.mm is timed in the peer process: use measure');
        },
        measure: (o) => peer.measure(handle, t, o),
        dispose: () => {
          peer.dispose(handle).catch(() => {});
        },
      };
    },
  }));
}
