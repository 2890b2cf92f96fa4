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

/** The torch.mm row a kernel is compared with: the same thread count only. */
export function torchFor(rows: GemmRow[], row: GemmRow): GemmRow | undefined {
  return rows.find(
    (r) => r.kernel === 'torch' && r.shape === row.shape && r.threads === row.threads && r.gflops !== null,
  );
}

/** Peers whose column stays in the tables when they cannot run here: 'absent', and why below. */
const SHOWN_WHEN_ABSENT = new Set(['vulkan', 'torch']);

/**
 * GFLOPS per shape (rows) and kernel (columns), then the same cells as a ratio to OpenBLAS and, when
 * torch ran, to torch.mm at the same thread count. A Vulkan provider or a torch peer that cannot
 * run here still gets its column, 'absent', and the reason below.
 */
export function gemmTable(rows: GemmRow[], absent: Absent[] = []): string {
  const absentCols = absent.filter((a) => SHOWN_WHEN_ABSENT.has(a.kernel));
  const labels = [
    ...new Set(rows.filter((r) => r.kernel !== 'auto').map((r) => r.label)),
    ...absentCols.map((a) => a.label),
  ];
  const shapes = [...new Set(rows.map((r) => r.shape))];
  const w = Math.max(10, ...labels.map((l) => l.length + 1));
  const head = (title: string) => `${title.padEnd(26)}${labels.map((l) => pad(l, w)).join('')}`;
  const cell = (shape: string, label: string, ratioTo?: (r: GemmRow) => GemmRow | undefined) => {
    if (absentCols.some((a) => a.label === label)) return pad('absent', w);
    const r = rows.find((x) => x.shape === shape && x.label === label);
    if (!r) return pad('', w);
    if (r.gflops === null) return pad('skip', w);
    if (!ratioTo) return pad(fmt(r.gflops), w);
    const b = ratioTo(r);
    return pad(b?.gflops ? `${(r.gflops / b.gflops).toFixed(2)}x` : '-', w);
  };
  const block = (title: string, ratioTo?: (r: GemmRow) => GemmRow | undefined) => {
    lines.push(head(title));
    for (const s of shapes) lines.push(`${s.padEnd(26)}${labels.map((l) => cell(s, l, ratioTo)).join('')}`);
  };
  const lines: string[] = [];
  block('sgemm GFLOPS (median)');
  lines.push('');
  block('ratio to OpenBLAS (same threads)', (r) => openblasFor(rows, r));
  if (rows.some((r) => r.kernel === 'torch' && r.gflops !== null)) {
    lines.push('');
    block('ratio to torch.mm (same threads)', (r) => torchFor(rows, r));
  }
  if (absentCols.length) lines.push('');
  for (const a of absentCols) lines.push(`${a.label} absent: ${a.reason}`);
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

/** Issue 16's goals for tensorgrad's native training against PyTorch at the same thread count. */
export const TORCH_TRAINING_GOALS: Record<string, number> = { seed: 4, wide: 1.5 };

/** The torch row a training row faces: same model, same thread count. */
function torchRowFor(rows: TrainingRow[], r: TrainingRow): TrainingRow | undefined {
  return rows.find(
    (x) =>
      x.model === r.model && x.provider === 'torch' && x.threads === r.threads && x.samplesPerSec !== null,
  );
}

/**
 * Samples per second per model, provider and thread count, with ratios to tfjs-wasm and to torch
 * at the same thread count; then native against torch per thread count with issue 16's goals.
 * `vulkanDevice` (the gemm tables' column name, e.g. 'vulkan llvmpipe') names the device the
 * vulkan rows ran on, in the header as in those tables.
 */
export function trainingTable(rows: TrainingRow[], vulkanDevice?: string): string {
  const ratioCell = (v: number | null, base: number | null | undefined) =>
    v !== null && base ? `${(v / base).toFixed(2)}x` : '-';
  const lines = [
    `${'model'.padEnd(6)}${'provider'.padEnd(11)}${pad('threads', 7)}${pad('cpu/wall', 9)}  ${'variant'.padEnd(10)}${pad('samples/s', 12)}${pad('+-rme', 8)}${pad('x tfjs-wasm', 13)}${pad('x torch', 9)}` +
      (vulkanDevice ? `  (vulkan = ${vulkanDevice})` : ''),
  ];
  for (const r of rows) {
    const wasm = rows.find((x) => x.model === r.model && x.provider === 'tfjs-wasm')?.samplesPerSec;
    const torch = r.provider === 'torch' ? undefined : torchRowFor(rows, r)?.samplesPerSec;
    const absent = r.skipped?.startsWith('absent');
    const rate =
      r.samplesPerSec === null
        ? absent
          ? 'absent'
          : 'skip'
        : Math.round(r.samplesPerSec).toLocaleString('en-US');
    const rme = r.stats && Number.isFinite(r.stats.rme) ? `${r.stats.rme.toFixed(1)}%` : '-';
    lines.push(
      `${r.model.padEnd(6)}${r.provider.padEnd(11)}${pad(String(r.threads), 7)}${pad(r.cpuPerWall === undefined ? '-' : r.cpuPerWall.toFixed(2), 9)}  ${r.variant.padEnd(10)}${pad(rate, 12)}${pad(rme, 8)}` +
        `${pad(ratioCell(r.samplesPerSec, wasm), 13)}${pad(ratioCell(r.samplesPerSec, torch), 9)}` +
        (r.skipped ? `  (${r.skipped})` : ''),
    );
  }
  const vs = torchVsNativeLines(rows);
  if (vs.length) lines.push('', ...vs);
  return lines.join('\n');
}

/** tensorgrad native against torch, model by model, at each thread count both ran. */
export function torchVsNativeLines(rows: TrainingRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.provider !== 'native' || r.samplesPerSec === null) continue;
    const t = torchRowFor(rows, r);
    if (!t?.samplesPerSec) continue;
    const ratio = r.samplesPerSec / t.samplesPerSec;
    const goal = TORCH_TRAINING_GOALS[r.model];
    out.push(
      `${r.model} training, ${r.threads} thread(s) each: native ${Math.round(r.samplesPerSec).toLocaleString('en-US')} vs ` +
        `torch ${Math.round(t.samplesPerSec).toLocaleString('en-US')} samples/s = ${ratio.toFixed(2)}x` +
        (goal ? ` (goal >= ${goal}x: ${ratio >= goal ? 'met' : 'not met'})` : ''),
    );
  }
  return out;
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
