// `npm run bench -- --profile`: where one training step of the seed model spends its time.
// Two views: manual timers in this process (kernels and dispatch through a timing wrapper around
// the provider, optimizer by wrapping step/zeroGrad/releaseGrads) and a V8 CPU profile of a child process
// (self time grouped by source file: dispatch, kernels, ops, autograd, allocation/GC, optimizer).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, withProvider } from '../../src/index.js';
import {
  adamUpdateKernel,
  type DenseForwardFn,
  denseDropoutForwardKernel,
  denseForwardKernel,
  gemm,
  gemmKernel,
  getProvider,
  implementationOf,
  type KernelProvider,
  registerProvider,
  selectProvider,
  unregisterProvider,
} from '../../src/kernels/index.js';
import { getNativeThreads } from '../../src/kernels/native/provider.js';
import { root } from './machine.js';
import { MODELS, type ModelName } from './shapes.js';
import { median } from './stats.js';
import { makeData, tensorgradModel } from './training-bench.js';

export interface TimerProfile {
  model: ModelName;
  backend: string;
  provider: string;
  /** The native addon's thread count during the run (null on other providers). */
  threads: number | null;
  steps: number;
  usPerStep: number;
  /** Microseconds per step inside the provider's gemm / denseForward (the matrix multiplies). */
  matmulUs: number;
  matmulCalls: number;
  /** The other kernels (activation derivatives, dropout, column sums), Adam's excluded. */
  elementwiseUs: number;
  elementwiseCalls: number;
  /** Dispatcher cost per step: argument checks + provider selection, measured on the same calls. */
  dispatchUs: number;
  /** Optimizer step + zeroGrad / releaseGrads, its adamUpdate kernel included. */
  optimizerUs: number;
  /** Everything else: graph recording, backward walk, allocation and GC, losses, batching. */
  restUs: number;
  /** The step's products (gemm and denseForward calls of one step) run back to back, alone. */
  standaloneMatmulUs: number;
  /** usPerStep / matmulUs and usPerStep / standaloneMatmulUs: the goal's measure (1.0 = all matrix work). */
  ratio: number;
  ratioStandalone: number;
  /** Kernel name -> microseconds per step. */
  kernels: Record<string, number>;
  /** The step's products in order, with their op(A)'s share of nonzeros. */
  products: Array<{ shape: string; densityA: number }>;
}

/** Rows, batch and epochs of a profile run per model (quick: fewer epochs). */
export function profilePlan(
  model: ModelName,
  quick: boolean,
): { rows: number; batch: number; epochs: number } {
  const { batch } = MODELS[model];
  return model === 'seed'
    ? { rows: 4096, batch, epochs: quick ? 2 : 10 }
    : { rows: 2048, batch, epochs: quick ? 1 : 4 };
}

/** A product of the step; densityA: its op(A)'s share of nonzeros (after ReLU and dropout often ~1/4). */
type Product =
  | { kind: 'gemm'; ta: boolean; tb: boolean; m: number; n: number; k: number; densityA: number }
  | { kind: 'dense'; m: number; n: number; k: number; bias: boolean; act: string; densityA: number };

/** Share of nonzeros among the first len elements of a. */
function densityOf(a: unknown, len: number): number {
  const arr = a as ArrayLike<number>;
  let nz = 0;
  for (let i = 0; i < len; i++) if (arr[i] !== 0) nz++;
  return len > 0 ? nz / len : 1;
}

// denseDropoutForward is a dense layer's product with its dropout applied in the epilogue: its time
// in the step counts as matrix work (drawing the dropout's decisions included, about 2-4 % of it);
// the standalone run times the same products as plain denseForward calls.
const MATMUL_KERNELS = new Set([gemmKernel.name, denseForwardKernel.name, denseDropoutForwardKernel.name]);

/** One epoch pass of `model` on `backend` with every kernel of the provider wrapped in timers. */
export function timerProfile(backend: string, epochs: number, model: ModelName = 'seed'): TimerProfile {
  const { widths } = MODELS[model];
  const plan = profilePlan(model, false);
  const flops = 2 * plan.batch * widths[1] * widths[0];
  const provider = withProvider(backend, () => selectProvider(flops, 'float32'));
  if (!provider) throw new Error(`profile: no provider runs the ${model} model's products on '${backend}'`);
  const name = provider.name;
  const kernelMs = new Map<string, number>();
  const kernelCalls = new Map<string, number>();
  const products: Product[] = [];
  let recording = false;
  const timedKernels = provider.kernels.map((impl) => {
    const kname = impl.kernel.name;
    const run = impl.run;
    const timed = (...args: unknown[]) => {
      const t0 = performance.now();
      run(...args);
      kernelMs.set(kname, (kernelMs.get(kname) ?? 0) + performance.now() - t0);
      kernelCalls.set(kname, (kernelCalls.get(kname) ?? 0) + 1);
      if (recording) {
        if (kname === gemmKernel.name) {
          const [ta, tb, m, n, k, , a] = args as [boolean, boolean, number, number, number, number, unknown];
          products.push({ kind: 'gemm', ta, tb, m, n, k, densityA: densityOf(a, m * k) });
        } else if (kname === denseForwardKernel.name || kname === denseDropoutForwardKernel.name) {
          const [m, n, k, x, , bias, act] = args as [
            number,
            number,
            number,
            unknown,
            unknown,
            unknown,
            string,
          ];
          products.push({ kind: 'dense', m, n, k, bias: bias !== null, act, densityA: densityOf(x, m * k) });
        }
      }
    };
    return { kernel: impl.kernel, run: timed };
  });
  const timed: KernelProvider = { ...provider, kernels: timedKernels };
  const data = makeData(widths[0], plan.rows);
  const net = tensorgradModel(model);
  const x = new Tensor(data.x, [data.rows, widths[0]]);
  const train = (e: number) => net.fit(x, data.y, { epochs: e, batchSize: plan.batch, verbose: 0 });
  withProvider(backend, () => train(1)); // warm-up
  const opt = net.optimizer;
  if (!opt) throw new Error('profile: model is not compiled');
  const step = opt.step.bind(opt);
  const zero = opt.zeroGrad.bind(opt);
  const release = opt.releaseGrads.bind(opt);
  let optMs = 0;
  let steps = 0;
  opt.step = () => {
    recording = false; // the products of one step, forward and backward, are recorded once
    const t0 = performance.now();
    step();
    optMs += performance.now() - t0;
    steps++;
  };
  opt.zeroGrad = () => {
    const t0 = performance.now();
    zero();
    optMs += performance.now() - t0;
  };
  opt.releaseGrads = () => {
    const t0 = performance.now();
    release();
    optMs += performance.now() - t0;
  };
  unregisterProvider(name);
  registerProvider(timed);
  let totalMs = 0;
  try {
    recording = true;
    const t0 = performance.now();
    withProvider(backend, () => train(epochs));
    totalMs = performance.now() - t0;
  } finally {
    unregisterProvider(name);
    registerProvider(provider);
    opt.step = step;
    opt.zeroGrad = zero;
    opt.releaseGrads = release;
  }
  const per = (ms: number) => (ms * 1000) / steps;
  let matmulMs = 0;
  let matmulCalls = 0;
  let elementMs = 0;
  let elementCalls = 0;
  const kernels: Record<string, number> = {};
  for (const [k, ms] of kernelMs) {
    kernels[k] = per(ms);
    if (MATMUL_KERNELS.has(k)) {
      matmulMs += ms;
      matmulCalls += kernelCalls.get(k) ?? 0;
    } else if (k !== adamUpdateKernel.name) {
      elementMs += ms;
      elementCalls += kernelCalls.get(k) ?? 0;
    }
  }
  const gemmShapes = products.flatMap((p) =>
    p.kind === 'gemm' ? [[p.ta, p.tb, p.m, p.n, p.k] as [boolean, boolean, number, number, number]] : [],
  );
  const dispatchUs = dispatchOverheadUs(provider, gemmShapes) * ((matmulCalls + elementCalls) / steps);
  const usPerStep = per(totalMs);
  const matmulUs = per(matmulMs);
  const elementwiseUs = per(elementMs);
  const optimizerUs = per(optMs);
  const standaloneMatmulUs = standaloneProductsUs(provider, products);
  return {
    model,
    backend,
    provider: name,
    threads: name === 'native' ? getNativeThreads() : null,
    steps,
    usPerStep,
    matmulUs,
    matmulCalls: matmulCalls / steps,
    elementwiseUs,
    elementwiseCalls: elementCalls / steps,
    dispatchUs,
    optimizerUs,
    restUs: usPerStep - matmulUs - elementwiseUs - dispatchUs - optimizerUs,
    standaloneMatmulUs,
    ratio: usPerStep / matmulUs,
    ratioStandalone: usPerStep / standaloneMatmulUs,
    kernels,
    products: products.map((p) => ({
      shape:
        p.kind === 'gemm'
          ? `${p.ta ? 'T' : 'N'}${p.tb ? 'T' : 'N'} ${p.m}x${p.n}x${p.k}`
          : `dense ${p.m}x${p.n}x${p.k}`,
      densityA: p.densityA,
    })),
  };
}

/**
 * Microseconds for one step's products (the recorded gemm, denseForward and denseDropoutForward
 * calls, in order; the last run as denseForward, without the dropout) back to back on the
 * provider's own kernels with arrays allocated once: the matrix work alone.
 * Each op(A) has the share of zeros its product met in the step (scattered at random), so a
 * kernel that skips zeros does the same work here as there.
 */
export function standaloneProductsUs(provider: KernelProvider, products: readonly Product[]): number {
  if (products.length === 0) return 0;
  const gemmOf = implementationOf(provider, gemmKernel);
  const denseOf = implementationOf(provider, denseForwardKernel);
  let seed = 12345;
  const uniform = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const calls = products.map((p) => {
    const a = new Float32Array(p.m * p.k);
    for (let i = 0; i < a.length; i++) a[i] = uniform() < p.densityA ? 0.5 : 0;
    const b = new Float32Array(p.k * p.n).fill(0.25);
    const c = new Float32Array(p.m * p.n);
    if (p.kind === 'gemm') return () => gemmOf(p.ta, p.tb, p.m, p.n, p.k, 1, a, b, 0, c);
    const bias = p.bias ? new Float32Array(p.n).fill(0.1) : null;
    return () => denseOf(p.m, p.n, p.k, a, b, bias, p.act as DenseAct, c);
  });
  const once = () => {
    for (const call of calls) call();
  };
  once();
  const t0 = performance.now();
  once();
  const first = performance.now() - t0;
  const reps = Math.max(3, Math.min(200, Math.ceil(200 / Math.max(first, 0.01))));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    once();
    times.push(performance.now() - t);
  }
  return median(times) * 1000;
}

type DenseAct = Parameters<DenseForwardFn>[6];

function dispatchOverheadUs(
  p: KernelProvider,
  shapes: Array<[boolean, boolean, number, number, number]>,
): number {
  // The overhead does not depend on the size: the three smallest products keep the timing short.
  const uniq = [...new Map(shapes.map((s) => [s.join(','), s])).values()]
    .sort((x, y) => x[2] * x[3] * x[4] - y[2] * y[3] * y[4])
    .slice(0, 3);
  const providerGemm = implementationOf(p, gemmKernel);
  if (uniq.length === 0) return 0;
  const per: number[] = [];
  for (const [ta, tb, m, n, k] of uniq) {
    const a = new Float32Array(m * k).fill(0.5);
    const b = new Float32Array(k * n).fill(0.5);
    const c = new Float32Array(m * n);
    const reps = 2000;
    const viaDispatcher: number[] = [];
    const direct: number[] = [];
    for (let s = 0; s < 7; s++) {
      let t0 = performance.now();
      for (let i = 0; i < reps; i++) gemm(ta, tb, m, n, k, 1, a, b, 0, c, p.name);
      viaDispatcher.push(performance.now() - t0);
      t0 = performance.now();
      for (let i = 0; i < reps; i++) providerGemm(ta, tb, m, n, k, 1, a, b, 0, c);
      direct.push(performance.now() - t0);
    }
    per.push(((median(viaDispatcher) - median(direct)) * 1000) / reps);
  }
  return Math.max(0, per.reduce((s, v) => s + v, 0) / per.length);
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfileSummary {
  backend: string;
  totalMs: number;
  steps: number;
  /** Category -> share of sampled time (0..1) and microseconds per step. */
  categories: Array<{ category: string; share: number; usPerStep: number }>;
  top: Array<{ fn: string; where: string; share: number }>;
}

/** Which part of the step a sampled function belongs to. */
export function categorize(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'allocation (GC)';
  if (fn === '(idle)' || fn === '(program)' || fn === '(root)') return 'V8/other';
  const u = url.replace(/\\/g, '/');
  // The dispatcher: the table, the declarations' checks and the entries they compile (kernel-entry:).
  if (u.includes('/src/kernels/table') || u.includes('/src/kernels/kernel.') || u.startsWith('kernel-entry:'))
    return 'dispatch';
  if (u.includes('/src/kernels/')) return 'kernels';
  if (u.includes('/src/optim/')) return 'optimizer';
  if (u.includes('/src/autograd')) return 'autograd bookkeeping';
  if (u.includes('/src/tensor')) return fn === 'alloc' ? 'allocation (GC)' : 'tensor objects';
  if (u.includes('/src/buffer-pool')) return 'allocation (GC)';
  if (u.includes('/src/ops/')) return 'ops (elementwise, losses)';
  if (u.includes('/src/nn/')) return 'layers';
  if (u.includes('/src/training/') || u.includes('/src/random'))
    return 'training loop (batching, metrics, RNG)';
  if (u === '' && /^[a-zA-Z]/.test(fn)) return 'kernels'; // N-API functions carry no script URL
  return 'V8/other';
}

export function summarizeCpuProfile(
  profile: {
    nodes: CpuProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
  },
  steps: number,
  backend: string,
): CpuProfileSummary {
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const cat = new Map<string, number>();
  const fns = new Map<string, { where: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const c = categorize(functionName, url);
    cat.set(c, (cat.get(c) ?? 0) + us);
    // tsx's transform does not keep line numbers: name and file only.
    const key =
      url === '' && c === 'kernels'
        ? `native addon call (V8 names it '${functionName}')`
        : `${functionName || '(anonymous)'} ${url.split('/src/')[1] ?? url.split('/').pop() ?? ''}`;
    const f = fns.get(key) ?? { where: c, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  return {
    backend,
    totalMs: total / 1000,
    steps,
    categories: [...cat.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, share: us / total, usPerStep: us / steps })),
    top: [...fns.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 15)
      .map(([fn, v]) => ({ fn, where: v.where, share: v.us / total })),
  };
}

/** Runs bench/profile-step.ts (V8 sampling profiler around the timed epochs) and summarizes it. */
export function cpuProfile(backend: string, epochs: number, model: ModelName = 'seed'): CpuProfileSummary {
  const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-prof-'));
  try {
    const file = join(dir, 'step.cpuprofile');
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench', 'profile-step.ts'), backend, String(epochs), file, model],
      { cwd: root, encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`profile child failed: ${res.stderr}`);
    const info = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { steps: number };
    return summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), info.steps, backend);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (us: number) => (us >= 10_000 ? (us / 1000).toFixed(1) : (us / 1000).toFixed(2));

/** The timer view as table rows, milliseconds per step. */
export function timerTable(timers: readonly TimerProfile[]): string[] {
  const head = [
    'backend',
    'provider',
    'thr',
    'step',
    'matmul',
    'elementwise',
    'optimizer',
    'dispatch',
    'rest',
    'step/matmul',
    'alone',
    'step/alone',
  ];
  const widths = [8, 9, 4, 8, 8, 12, 10, 9, 8, 12, 8, 11];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('');
  const out = [line(head)];
  for (const t of timers) {
    out.push(
      line([
        t.backend,
        t.provider,
        t.threads === null ? '-' : String(t.threads),
        fmt(t.usPerStep),
        `${fmt(t.matmulUs)}`,
        fmt(t.elementwiseUs),
        fmt(t.optimizerUs),
        fmt(t.dispatchUs),
        fmt(t.restUs),
        `${t.ratio.toFixed(2)}x`,
        fmt(t.standaloneMatmulUs),
        `${t.ratioStandalone.toFixed(2)}x`,
      ]),
    );
  }
  return out;
}

export async function runProfile(o: {
  quick: boolean;
  outDir: string;
  log: (l: string) => void;
  /** Which models (default both). */
  models?: ModelName[];
}): Promise<void> {
  const models = o.models ?? (['seed', 'wide'] as ModelName[]);
  const available = ['auto', 'native', 'js'].filter((b) => {
    try {
      if (b !== 'auto') getProvider(b);
      return true;
    } catch {
      return false;
    }
  });
  const timers: TimerProfile[] = [];
  const profiles: Array<CpuProfileSummary & { model: ModelName }> = [];
  for (const model of models) {
    const { epochs } = profilePlan(model, o.quick);
    const { widths, batch, dropout } = MODELS[model];
    // The TypeScript gemm takes seconds per wide step: the wide model is profiled on native only.
    const backends = model === 'wide' ? available.filter((b) => b !== 'js') : available;
    const mine = backends.map((b) => timerProfile(b, epochs, model));
    timers.push(...mine);
    o.log(
      `\n${model} model training step (batch ${batch}, ${widths.join('->')}, dropout ${dropout}, Adam), manual timers, ms per step:`,
    );
    for (const l of timerTable(mine)) o.log(l);
    o.log(
      '  matmul = gemm + denseForward + denseDropoutForward kernel time inside the step (the last draws its dropout',
    );
    o.log(
      '  and applies it in the epilogue); alone = the same products back to back on their own, without dropout',
    );
    o.log(
      '  (each op(A) as sparse as in the step: the native gemm multiplies only the nonzeros of an op(A) of <= 35 %);',
    );
    o.log(
      '  elementwise = the other kernels (Adam is in optimizer); rest = graph, allocation/GC, losses, batching.',
    );
    const top = mine[0];
    if (top) {
      const ks = Object.entries(top.kernels)
        .sort((a, b) => b[1] - a[1])
        .map(([k, us]) => `${k} ${fmt(us)}`)
        .join(', ');
      o.log(`  kernels (${top.backend}), ms per step: ${ks}`);
      const ps = top.products.map((p) => `${p.shape} ${(100 * p.densityA).toFixed(0)}%`).join(', ');
      o.log(`  products (m x n x k) and their op(A)'s nonzeros: ${ps}`);
    }
    for (const b of backends.filter((b) => b !== 'js')) {
      const p = cpuProfile(b, epochs, model);
      profiles.push({ ...p, model });
      o.log(
        `\nV8 CPU profile (50 us sampling), ${model} model, backend ${p.backend}: self time by part of the step (${p.steps} steps)`,
      );
      for (const c of p.categories) {
        o.log(
          `  ${c.category.padEnd(40)} ${(c.share * 100).toFixed(1).padStart(5)}%  ${(c.usPerStep / 1000).toFixed(3).padStart(8)} ms/step`,
        );
      }
      o.log('  top functions by self time:');
      for (const f of p.top) o.log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.fn}  [${f.where}]`);
    }
  }
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, 'profile.json'), `${JSON.stringify({ timers, profiles }, null, 2)}\n`);
  o.log(`wrote ${join(o.outDir, 'profile.json')}`);
}
