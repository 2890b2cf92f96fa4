import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchOptions, presetOptions, runBench } from '../../bench/lib/bench.js';
import { deriveRules, mergeRules } from '../../bench/lib/calibrate.js';
import type { GemmRow } from '../../bench/lib/gemm-bench.js';
import { categorize } from '../../bench/lib/profile.js';
import { gemmTable, trainingTable, vulkanVsHeadlessglLines } from '../../bench/lib/report.js';
import { trainingShapes } from '../../bench/lib/shapes.js';
import { sampleStats } from '../../bench/lib/stats.js';

// Runs the bench's pieces on tiny sizes so it cannot rot. Nothing here asserts a time.
const out = mkdtempSync(join(tmpdir(), 'tensorgrad-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function tinyOptions(): BenchOptions {
  const o = presetOptions('quick');
  return {
    ...o,
    mode: 'custom',
    squareSizes: [8, 16],
    trainingShapes: trainingShapes('seed').slice(2, 3),
    gemm: { rounds: 1, maxTime: 0.005, minSamples: 2, maxCallSec: 0.5, slowCallSec: 0.1 },
    training: {
      models: ['seed'],
      rounds: 1,
      maxTime: 0.005,
      minSamples: 2,
      rowsPerCall: { seed: 64, wide: 256 },
      maxStepSec: 1,
      tfjsFitVariant: false,
    },
    sequence: {
      models: ['gru', 'conv1d'],
      providers: ['js', 'native', 'tfjs-wasm'],
      rounds: 1,
      maxTime: 0.005,
      minSamples: 1,
      rowsPerCall: 64,
      cpuRowsPerCall: 64,
    },
    int8: { threads: [1], batches: [256, 3], pairs: 2, batchSec: 0.001, trainRows: 256, epochs: 1 },
    outDir: out,
    log: () => {},
  };
}

describe('npm run bench on tiny sizes', () => {
  it('writes latest.json with machine info, gemm rows, training rows and the auto check; and the chart', async () => {
    const r = await runBench(tinyOptions());
    const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    expect(json.meta.machine.cpuModel).toEqual(expect.any(String));
    expect(json.meta.machine.loadAverageStart).toHaveLength(3);
    expect(json.meta.machine.loadAverageEnd).toHaveLength(3);
    expect(json.meta.versions.tensorgrad).toEqual(expect.any(String));
    const kernels = new Set(json.gemm.map((g: GemmRow) => g.kernel));
    for (const k of ['js-naive', 'js']) expect(kernels).toContain(k);
    // Every kernel is either measured or listed as absent with a reason, never silently missing.
    const absent = new Set(json.absent.map((a: { kernel: string }) => a.kernel));
    for (const k of ['native', 'gpu', 'vulkan', 'openblas', 'tfjs-cpu', 'tfjs-wasm', 'torch']) {
      expect(kernels.has(k) || absent.has(k) || (k === 'tfjs-wasm' && absent.has('tfjs-cpu'))).toBe(true);
    }
    for (const g of json.gemm as GemmRow[]) {
      expect(g).toMatchObject({
        kernel: expect.any(String),
        threads: expect.any(Number),
        m: expect.any(Number),
      });
      if (g.gflops !== null) {
        expect(g.gflops).toBeGreaterThan(0);
        expect(g.stats?.samples).toBeGreaterThanOrEqual(2);
        expect(g.stats?.median).toBeGreaterThan(0);
        expect(g.cpuPerWall).toBeGreaterThan(0);
      } else expect(g.skipped).toEqual(expect.any(String));
    }
    expect(json.gemm.filter((g: GemmRow) => g.group === 'seed').map((g: GemmRow) => g.shape)).toContain(
      'seed L1 10->64 dW',
    );
    const providers = json.training.map((t: { provider: string }) => t.provider);
    // vulkan and torch have rows either way: measured, or skipped with the reason they are absent.
    for (const p of ['js', 'auto', 'vulkan', 'torch']) expect(providers).toContain(p);
    // native and torch face each other at 1 thread and at all cores.
    const threadsOf = (p: string) =>
      json.training
        .filter((t: { provider: string }) => t.provider === p)
        .map((t: { threads: number }) => t.threads);
    expect(threadsOf('native')).toEqual(threadsOf('torch'));
    expect(threadsOf('native')).toContain(1);
    for (const t of json.training) {
      expect(t.model).toBe('seed');
      if (t.samplesPerSec !== null) {
        expect(t.samplesPerSec).toBeGreaterThan(0);
        expect(t.cpuPerWall).toBeGreaterThan(0);
      }
    }
    expect(r.autoCheck.gemm.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'gflops.svg'), 'utf8')).toContain('<svg');
    // Sequence models: every (model, provider) is measured or skipped with a reason.
    const seq = json.sequence as Array<{
      model: string;
      provider: string;
      samplesPerSec: number | null;
      skipped?: string;
    }>;
    expect(seq.map((q) => `${q.model} ${q.provider}`).sort()).toEqual(
      ['gru js', 'gru native', 'gru tfjs-wasm', 'conv1d js', 'conv1d native', 'conv1d tfjs-wasm'].sort(),
    );
    for (const q of seq) {
      if (q.samplesPerSec === null) expect(q.skipped).toEqual(expect.any(String));
      else expect(q.samplesPerSec).toBeGreaterThan(0);
    }
    expect(seq.find((q) => q.model === 'conv1d' && q.provider === 'tfjs-wasm')?.skipped).toMatch(
      /Conv2DBackpropFilter/,
    );
    // int8 inference: float32 and int8 samples/s and their ratio at each thread count and batch asked for.
    expect(json.int8.map((q: { threads: number; batch: number }) => [q.threads, q.batch])).toEqual([
      [1, 256],
      [1, 3],
    ]);
    for (const q of json.int8) {
      expect(q.float32SamplesPerSec).toBeGreaterThan(0);
      expect(q.int8SamplesPerSec).toBeGreaterThan(0);
      expect(q.speedup).toBeGreaterThan(0);
      expect(['avx512vnni', 'avx2', 'scalar']).toContain(q.int8Isa);
    }
  });
  it('the gemm tables give an absent vulkan its column with the reason; the vulkan/headlessgl ratio', () => {
    const row = (kernel: string, label: string, shape: string, gflops: number, mode?: string): GemmRow => ({
      kernel,
      threads: 1,
      ...(mode ? { mode } : {}),
      label,
      dtype: 'float32',
      shape,
      group: 'square',
      m: 512,
      n: 512,
      k: 512,
      transA: false,
      transB: false,
      gflops,
      stats: null,
    });
    const rows = [row('js', 'js', '512^3', 1), row('gpu', 'gpu headlessgl', '512^3', 0.4, 'headlessgl')];
    const table = gemmTable(rows, [
      { kernel: 'vulkan', label: 'vulkan', reason: 'the Vulkan loader did not load' },
    ]);
    expect(table.split('\n')[0]).toMatch(/js\s+gpu headlessgl\s+vulkan$/);
    expect(table).toMatch(/512\^3\s+1\.00\s+0\.40\s+absent/);
    expect(table).toContain('vulkan absent: the Vulkan loader did not load');
    expect(vulkanVsHeadlessglLines(rows)).toEqual([]);
    rows.push(row('vulkan', 'vulkan llvmpipe', '512^3', 6, 'direct'));
    expect(vulkanVsHeadlessglLines(rows)).toEqual([
      'vulkan llvmpipe vs gpu headlessgl at 512^3: 15.0x (6.00 vs 0.40 GFLOPS)',
    ]);
  });
  it('the training table names the device of its vulkan rows in the header, or shows why they are absent', () => {
    const base = { model: 'seed' as const, threads: 1, variant: 'fit', rowsPerCall: 32, stats: null };
    const measured = [
      { ...base, provider: 'js' as const, samplesPerSec: 1000 },
      { ...base, provider: 'vulkan' as const, samplesPerSec: 500 },
    ];
    const table = trainingTable(measured, 'vulkan llvmpipe').split('\n');
    expect(table[0]).toMatch(/x tfjs-wasm\s+x torch\s+\(vulkan = vulkan llvmpipe\)$/);
    expect(table[2]).toMatch(/^seed\s+vulkan\s+1\s+-\s+fit\s+500/);
    const absent = trainingTable([
      { ...base, provider: 'vulkan' as const, samplesPerSec: null, skipped: 'absent: no Vulkan loader' },
    ]).split('\n');
    expect(absent[0]).not.toContain('(vulkan =');
    expect(absent[1]).toMatch(/^seed\s+vulkan\s+1\s+-\s+fit\s+absent.*\(absent: no Vulkan loader\)$/);
  });

  it('keeps the results folder in git', () => {
    expect(existsSync(join(__dirname, '../../bench/results/.gitkeep'))).toBe(true);
  });
});

function row(kernel: string, m: number, seconds: number, dtype = 'float32'): GemmRow {
  return {
    kernel,
    threads: 1,
    label: kernel,
    dtype: dtype as 'float32',
    shape: `${m}^3`,
    group: 'square',
    m,
    n: m,
    k: m,
    transA: false,
    transB: false,
    gflops: (2 * m ** 3) / seconds / 1e9,
    stats: sampleStats([seconds, seconds], 1),
  };
}

describe('auto-dispatch calibration', () => {
  it('puts a threshold between the last size js wins and the first the other provider wins', () => {
    const rows = [
      row('js', 4, 1e-7),
      row('native', 4, 2e-7),
      row('js', 8, 1e-6),
      row('native', 8, 2e-6),
      row('js', 16, 1e-5),
      row('native', 16, 1e-6),
      row('js', 32, 1e-4),
      row('native', 32, 1e-5),
    ];
    const cal = deriveRules(rows, 'float32');
    expect(cal.rules).toEqual([
      { provider: 'native', minFlops: Math.round(Math.sqrt(2 * 8 ** 3 * 2 * 16 ** 3)) },
    ]);
    expect(cal.points.map((p) => p.winner)).toEqual(['js', 'js', 'native', 'native']);
  });
  it('gives a rule from 0 when one provider wins everywhere, and ignores ties within the tolerance', () => {
    const rows = [row('js', 4, 1.01e-7), row('native', 4, 1e-7), row('js', 8, 1e-5), row('native', 8, 1e-6)];
    expect(deriveRules(rows, 'float32').rules).toEqual([{ provider: 'native', minFlops: 0 }]);
  });
  it('merges dtypes by the larger threshold when they disagree', () => {
    const a = { dtype: 'float32', points: [], rules: [{ provider: 'native', minFlops: 0 }] };
    const b = { dtype: 'float64', points: [], rules: [{ provider: 'native', minFlops: 1000 }] };
    expect(mergeRules([a, b])).toEqual([{ provider: 'native', minFlops: 1000 }]);
    expect(mergeRules([a, a])).toEqual(a.rules);
  });
});

describe('profile categories', () => {
  it('sorts sampled functions into the parts of a step', () => {
    expect(categorize('selectProvider', 'file:///x/src/kernels/table.ts')).toBe('dispatch');
    expect(categorize('gemm', 'kernel-entry:gemm')).toBe('dispatch');
    expect(categorize('gemmFast', '')).toBe('kernels');
    expect(categorize('blockedGemm', 'file:///x/src/kernels/js/blocked.ts')).toBe('kernels');
    expect(categorize('step', 'file:///x/src/optim/adam.ts')).toBe('optimizer');
    expect(categorize('(garbage collector)', '')).toBe('allocation (GC)');
    expect(categorize('backward', 'file:///x/src/autograd.ts')).toBe('autograd bookkeeping');
    expect(categorize('scratch', 'file:///x/src/buffer-pool.ts')).toBe('allocation (GC)');
  });
});
