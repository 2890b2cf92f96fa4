// The bench's stdout tables and its chart.
import { lineChartSvg } from '../../src/report/chart.js';
import type { GemmRow } from './gemm-bench.js';
import type { Absent } from './gemm-kernels.js';
import type { TrainingRow } from './training-bench.js';

export interface AutoCheckRow {
  what: string;
  auto: number;
  best: { label: string; value: number };
  /** best / auto from the benchmark.js medians (separate runs: noisy on a shared machine). */
  benchmarkSlowdown: number;
  /**
   * time(auto) / time(best), median over alternating paired batches (see paired.ts); what the
   * check uses. 1.25 means auto is 25% slower than the best single provider.
   */
  slowdown: number;
  pairs: number;
  /** The provider auto picked for this shape. */
  autoPicked: string;
  ok: boolean;
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : ' '.repeat(w - s.length) + s;
}

function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(digits);
  return v.toFixed(2);
}

/** The OpenBLAS row a kernel is compared with: same thread count, else the multi-threaded one. */
export function openblasFor(rows: GemmRow[], row: GemmRow): GemmRow | undefined {
  const blas = rows.filter((r) => r.kernel === 'openblas' && r.shape === row.shape && r.gflops !== null);
  return blas.find((r) => r.threads === row.threads) ?? blas.sort((a, b) => b.threads - a.threads)[0];
}

/**
 * GFLOPS per shape (rows) and kernel (columns), then the same cells as a ratio to OpenBLAS. A
 * Vulkan provider that cannot run here still gets its column, 'absent', and the reason below.
 */
export function gemmTable(rows: GemmRow[], absent: Absent[] = []): string {
  const vulkanAbsent = absent.find((a) => a.kernel === 'vulkan');
  const labels = [
    ...new Set(rows.filter((r) => r.kernel !== 'auto').map((r) => r.label)),
    ...(vulkanAbsent ? [vulkanAbsent.label] : []),
  ];
  const shapes = [...new Set(rows.map((r) => r.shape))];
  const w = Math.max(10, ...labels.map((l) => l.length + 1));
  const head = (title: string) => `${title.padEnd(26)}${labels.map((l) => pad(l, w)).join('')}`;
  const cell = (shape: string, label: string, ratio: boolean) => {
    if (vulkanAbsent && label === vulkanAbsent.label) return pad('absent', w);
    const r = rows.find((x) => x.shape === shape && x.label === label);
    if (!r) return pad('', w);
    if (r.gflops === null) return pad('skip', w);
    if (!ratio) return pad(fmt(r.gflops), w);
    const b = openblasFor(rows, r);
    return pad(b?.gflops ? `${(r.gflops / b.gflops).toFixed(2)}x` : '-', w);
  };
  const lines = [head('sgemm GFLOPS (median)')];
  for (const s of shapes) lines.push(`${s.padEnd(26)}${labels.map((l) => cell(s, l, false)).join('')}`);
  lines.push('', head('ratio to OpenBLAS (same threads)'));
  for (const s of shapes) lines.push(`${s.padEnd(26)}${labels.map((l) => cell(s, l, true)).join('')}`);
  if (vulkanAbsent) lines.push('', `vulkan absent: ${vulkanAbsent.reason}`);
  return lines.join('\n');
}

/**
 * The Vulkan GEMM beside gpu.js's headlessgl mode on the square sizes both ran, as a ratio: both
 * run on the same software stack without a GPU (lavapipe, llvmpipe's GL), so this compares the
 * kernel designs, not hardware.
 */
export function vulkanVsHeadlessglLines(rows: GemmRow[]): string[] {
  const lines: string[] = [];
  const square = rows.filter((r) => r.group === 'square' && r.gflops !== null);
  for (const v of square.filter((r) => r.kernel === 'vulkan')) {
    const gl = square.find((r) => r.kernel === 'gpu' && r.mode === 'headlessgl' && r.shape === v.shape);
    if (!gl?.gflops || !v.gflops) continue;
    lines.push(
      `${v.label} vs gpu headlessgl at ${v.shape}: ${(v.gflops / gl.gflops).toFixed(1)}x ` +
        `(${fmt(v.gflops)} vs ${fmt(gl.gflops)} GFLOPS)`,
    );
  }
  return lines;
}

/**
 * Samples per second per model and provider. `vulkanDevice` (the gemm tables' column name, e.g.
 * 'vulkan llvmpipe') names the device the vulkan rows ran on, in the header as in those tables.
 */
export function trainingTable(rows: TrainingRow[], vulkanDevice?: string): string {
  const lines = [
    `${'model'.padEnd(6)}${'provider'.padEnd(11)}${'variant'.padEnd(10)}${pad('samples/s', 12)}${pad('+-rme', 8)}${pad('x tfjs-wasm', 13)}` +
      (vulkanDevice ? `  (vulkan = ${vulkanDevice})` : ''),
  ];
  for (const r of rows) {
    const wasm = rows.find((x) => x.model === r.model && x.provider === 'tfjs-wasm')?.samplesPerSec;
    const ratio = r.samplesPerSec !== null && wasm ? `${(r.samplesPerSec / wasm).toFixed(2)}x` : '-';
    const rate = r.samplesPerSec === null ? 'skip' : Math.round(r.samplesPerSec).toLocaleString('en-US');
    const rme = r.stats && Number.isFinite(r.stats.rme) ? `${r.stats.rme.toFixed(1)}%` : '-';
    lines.push(
      `${r.model.padEnd(6)}${r.provider.padEnd(11)}${r.variant.padEnd(10)}${pad(rate, 12)}${pad(rme, 8)}${pad(ratio, 13)}` +
        (r.skipped ? `  (${r.skipped})` : ''),
    );
  }
  return lines.join('\n');
}

export function autoCheckLines(rows: AutoCheckRow[], unit: string): string[] {
  return rows.map(
    (r) =>
      `auto check ${r.what.padEnd(26)} auto->${r.autoPicked.padEnd(8)} best ${r.best.label.padEnd(14)} ` +
      `(benchmark.js ${fmt(r.auto)} vs ${fmt(r.best.value)} ${unit}); paired x${r.pairs}: auto ` +
      `${r.slowdown <= 1 ? `${((1 - r.slowdown) * 100).toFixed(1)}% faster` : `${((r.slowdown - 1) * 100).toFixed(1)}% slower`} ${r.ok ? 'OK' : 'VIOLATION'}`,
  );
}

/** GFLOPS against square size, one line per kernel (log axes). */
export function gflopsChart(rows: GemmRow[]): Promise<string> {
  const square = rows.filter((r) => r.group === 'square' && r.gflops !== null && r.kernel !== 'auto');
  const labels = [...new Set(square.map((r) => r.label))];
  return lineChartSvg({
    title: 'sgemm GFLOPS, square n x n x n (median; higher is better)',
    xLabel: 'n',
    yLabel: 'GFLOPS',
    logX: true,
    logY: true,
    series: labels.map((name) => ({
      name,
      points: square.filter((r) => r.label === name).map((r) => ({ x: r.m, y: r.gflops ?? 0 })),
    })),
  });
}
