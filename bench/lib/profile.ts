// `npm run bench -- --profile`: where one training step of the seed model spends its time.
// Two views: manual timers in this process (kernels and dispatch through a timing wrapper around
// the provider, optimizer by wrapping step/zeroGrad) and a V8 CPU profile of a child process
// (self time grouped by source file: dispatch, kernels, ops, autograd, allocation/GC, optimizer).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, withProvider } from '../../src/index.js';
import {
  type DenseForwardFn,
  denseForwardKernel,
  type GemmFn,
  gemm,
  gemmKernel,
  getProvider,
  implement,
  implementationOf,
  type KernelProvider,
  registerProvider,
  selectProvider,
  unregisterProvider,
} from '../../src/kernels/index.js';
import { root } from './machine.js';
import { median } from './stats.js';
import { makeData, tensorgradModel } from './training-bench.js';

export interface TimerProfile {
  backend: string;
  provider: string;
  steps: number;
  usPerStep: number;
  /** Microseconds per step inside the provider's gemm / denseForward (the kernels). */
  kernelUs: number;
  kernelCalls: number;
  /** Dispatcher cost per step: argument checks + provider selection, measured on the same calls. */
  dispatchUs: number;
  optimizerUs: number;
  /** Everything else: ops' elementwise work, graph recording, backward walk, allocation, batching. */
  restUs: number;
}

/** One seed-model epoch of 4096 rows on `backend`, with the provider wrapped in timers. */
export function timerProfile(backend: string, epochs: number): TimerProfile {
  const provider = withProvider(backend, () => selectProvider(2 * 32 * 64 * 10, 'float32'));
  if (!provider) throw new Error(`profile: no provider runs the seed model's products on '${backend}'`);
  const name = provider.name;
  let kernelMs = 0;
  let calls = 0;
  const shapes: Array<[boolean, boolean, number, number, number]> = [];
  const gemmOf = implementationOf(provider, gemmKernel);
  const denseOf = implementationOf(provider, denseForwardKernel);
  const timedGemm: GemmFn = (ta, tb, m, n, k, alpha, a, b, beta, c) => {
    const t0 = performance.now();
    gemmOf(ta, tb, m, n, k, alpha, a, b, beta, c);
    kernelMs += performance.now() - t0;
    calls++;
    if (shapes.length < 64) shapes.push([ta, tb, m, n, k]);
  };
  const timedDense: DenseForwardFn = (m, n, k, x, w, bias, act, out) => {
    const t0 = performance.now();
    denseOf(m, n, k, x, w, bias, act, out);
    kernelMs += performance.now() - t0;
    calls++;
  };
  const timed: KernelProvider = {
    ...provider,
    kernels: [
      ...provider.kernels.filter((k) => k.kernel !== gemmKernel && k.kernel !== denseForwardKernel),
      implement(gemmKernel, timedGemm),
      implement(denseForwardKernel, timedDense),
    ],
  };
  const data = makeData(10, 4096);
  const model = tensorgradModel('seed');
  const x = new Tensor(data.x, [data.rows, 10]);
  const fit = () => model.fit(x, data.y, { epochs, batchSize: 32, verbose: 0 });
  withProvider(backend, fit); // warm-up
  unregisterProvider(name);
  registerProvider(timed);
  const opt = model.optimizer;
  let optMs = 0;
  if (!opt) throw new Error('profile: model is not compiled');
  const step = opt.step.bind(opt);
  const zero = opt.zeroGrad.bind(opt);
  opt.step = () => {
    const t0 = performance.now();
    step();
    optMs += performance.now() - t0;
  };
  opt.zeroGrad = () => {
    const t0 = performance.now();
    zero();
    optMs += performance.now() - t0;
  };
  let totalMs = 0;
  try {
    const t0 = performance.now();
    withProvider(backend, fit);
    totalMs = performance.now() - t0;
  } finally {
    unregisterProvider(name);
    registerProvider(provider);
  }
  const steps = epochs * (data.rows / 32);
  // Dispatch: the dispatcher's gemm against the provider's own gemm on the step's shapes.
  const dispatchPerCallUs = dispatchOverheadUs(provider, shapes);
  const usPerStep = (totalMs * 1000) / steps;
  const kernelUs = (kernelMs * 1000) / steps;
  const optimizerUs = (optMs * 1000) / steps;
  const kernelCalls = calls / steps;
  const dispatchUs = dispatchPerCallUs * kernelCalls;
  return {
    backend,
    provider: name,
    steps,
    usPerStep,
    kernelUs,
    kernelCalls,
    dispatchUs,
    optimizerUs,
    restUs: usPerStep - kernelUs - dispatchUs - optimizerUs,
  };
}

function dispatchOverheadUs(
  p: KernelProvider,
  shapes: Array<[boolean, boolean, number, number, number]>,
): number {
  const uniq = [...new Map(shapes.map((s) => [s.join(','), s])).values()];
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
export function cpuProfile(backend: string, epochs: number): CpuProfileSummary {
  const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-prof-'));
  try {
    const file = join(dir, 'step.cpuprofile');
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench', 'profile-step.ts'), backend, String(epochs), file],
      { cwd: root, encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`profile child failed: ${res.stderr}`);
    const info = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { steps: number };
    return summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), info.steps, backend);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runProfile(o: {
  quick: boolean;
  outDir: string;
  log: (l: string) => void;
}): Promise<void> {
  const epochs = o.quick ? 2 : 10;
  const backends = ['auto', 'native', 'js'].filter((b) => {
    try {
      if (b !== 'auto') getProvider(b);
      return true;
    } catch {
      return false;
    }
  });
  const timers = backends.map((b) => timerProfile(b, epochs));
  o.log('seed model training step (batch 32, 10->64->32->1, dropout, Adam), manual timers, us per step:');
  o.log(
    `${'backend'.padEnd(8)}${'provider'.padEnd(10)}${'step'.padStart(8)}${'kernels'.padStart(9)}${'calls'.padStart(7)}${'dispatch'.padStart(10)}${'optimizer'.padStart(11)}${'rest'.padStart(8)}`,
  );
  for (const t of timers) {
    o.log(
      `${t.backend.padEnd(8)}${t.provider.padEnd(10)}${t.usPerStep.toFixed(1).padStart(8)}${t.kernelUs.toFixed(1).padStart(9)}${t.kernelCalls
        .toFixed(0)
        .padStart(
          7,
        )}${t.dispatchUs.toFixed(1).padStart(10)}${t.optimizerUs.toFixed(1).padStart(11)}${t.restUs.toFixed(1).padStart(8)}`,
    );
  }
  const profiles = backends.filter((b) => b !== 'js').map((b) => cpuProfile(b, epochs));
  for (const p of profiles) {
    o.log(
      `\nV8 CPU profile (50 us sampling), backend ${p.backend}: self time by part of the step (${p.steps} steps)`,
    );
    for (const c of p.categories) {
      o.log(
        `  ${c.category.padEnd(40)} ${(c.share * 100).toFixed(1).padStart(5)}%  ${c.usPerStep.toFixed(1).padStart(7)} us/step`,
      );
    }
    o.log('  top functions by self time:');
    for (const f of p.top) o.log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.fn}  [${f.where}]`);
  }
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, 'profile.json'), `${JSON.stringify({ timers, profiles }, null, 2)}\n`);
  o.log(`wrote ${join(o.outDir, 'profile.json')}`);
}
