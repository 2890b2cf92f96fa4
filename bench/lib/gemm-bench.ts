// Measures every competitor on every shape. Competitors are interleaved round by round on each
// shape, so the shared machine's noise spreads over all of them rather than one.
import type { Dtype, FloatArray } from '../../src/kernels/types.js';
import type { GemmCompetitor, Prepared } from './gemm-kernels.js';
import { flopsOf, type GemmShape } from './shapes.js';
import { meanCpuPerWall, measureHere, median, type Stats, sampleStats } from './stats.js';

export interface GemmRow {
  kernel: string;
  threads: number;
  mode?: string;
  label: string;
  dtype: Dtype;
  shape: string;
  group: GemmShape['group'];
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** From the median time per call; null when skipped. */
  gflops: number | null;
  /** Seconds per call. */
  stats: Stats | null;
  /** CPU seconds per wall second of the measuring process (mean over rounds); see Measured. */
  cpuPerWall?: number;
  skipped?: string;
}

export interface GemmBenchOptions {
  rounds: number;
  /** benchmark.js maxTime (seconds) per competitor per round. */
  maxTime: number;
  minSamples: number;
  /** Skip a competitor on a shape when one call would take longer than this (seconds). */
  maxCallSec: number;
  /** Calls predicted longer than this (seconds) are measured in the first round only. */
  slowCallSec: number;
  dtype?: Dtype;
  log?: (line: string) => void;
}

function filled(dtype: Dtype, len: number, seed: number): FloatArray {
  const a = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

export async function benchGemm(
  shapes: GemmShape[],
  competitors: GemmCompetitor[],
  opts: GemmBenchOptions,
): Promise<GemmRow[]> {
  const dtype = opts.dtype ?? 'float32';
  const rows: GemmRow[] = [];
  // Fastest rate seen so far per competitor: predicts how long one call of a bigger shape takes.
  const bestRate = new Map<GemmCompetitor, number>();
  const largest = new Map<GemmCompetitor, { flops: number; rate: number }>();
  for (const shape of shapes) {
    const flops = flopsOf(shape);
    const a = filled(dtype, shape.m * shape.k, 1);
    const b = filled(dtype, shape.k * shape.n, 2);
    const c = filled(dtype, shape.m * shape.n, 3);
    const active: GemmCompetitor[] = [];
    const samples = new Map<GemmCompetitor, number[]>();
    const cpuOf = new Map<GemmCompetitor, number[]>();
    const roundsRun = new Map<GemmCompetitor, number>();
    const base = (comp: GemmCompetitor) => ({
      kernel: comp.kernel,
      threads: comp.threads,
      ...(comp.mode ? { mode: comp.mode } : {}),
      label: comp.label,
      dtype,
      shape: shape.label,
      group: shape.group,
      m: shape.m,
      n: shape.n,
      k: shape.k,
      transA: shape.transA,
      transB: shape.transB,
    });
    for (const comp of competitors) {
      if (!comp.dtypes.includes(dtype)) continue;
      const rate = bestRate.get(comp);
      const predicted = rate ? flops / rate : 0;
      if (predicted > opts.maxCallSec && !comp.required?.(shape)) {
        rows.push({
          ...base(comp),
          gflops: null,
          stats: null,
          skipped: `one call would take ~${predicted.toFixed(1)} s (limit ${opts.maxCallSec} s)`,
        });
        continue;
      }
      active.push(comp);
      samples.set(comp, []);
      cpuOf.set(comp, []);
    }
    const predictedSec = (comp: GemmCompetitor) => {
      const rate = bestRate.get(comp);
      return rate ? flops / rate : 0;
    };
    const prepared = new Map<GemmCompetitor, Prepared>();
    try {
      for (let r = 0; r < opts.rounds; r++) {
        // Rotate the order every round so no competitor always runs right after the same one.
        const order = active.map((_, i) => active[(i + r) % active.length]);
        for (const comp of order) {
          // A competitor whose call takes more than slowCallSec gets one round, with one sample
          // more than minSamples would allow: a 2-core run has no time for more.
          if (r > 0 && predictedSec(comp) > opts.slowCallSec) continue;
          await comp.before?.();
          let p = prepared.get(comp);
          if (!p) {
            p = await comp.prepare(shape, a, b, c);
            prepared.set(comp, p);
          }
          const slow = predictedSec(comp) > opts.slowCallSec;
          const runOpts = {
            maxTime: opts.maxTime,
            minSamples: slow ? Math.min(2, opts.minSamples) : opts.minSamples,
          };
          const got = p.measure ? await p.measure(runOpts) : await measureHere(p.run, runOpts);
          const s = got.samples;
          cpuOf.get(comp)?.push(got.cpuPerWall);
          comp.after?.();
          samples.get(comp)?.push(...s);
          roundsRun.set(comp, (roundsRun.get(comp) ?? 0) + 1);
          // Predictions use the slower of the best rate so far and the rate on the largest shape
          // so far: js and gpu.js slow down once the operands leave the caches.
          const rate = flops / median(s);
          const big = largest.get(comp);
          if (!big || flops >= big.flops) largest.set(comp, { flops, rate });
          const cap = largest.get(comp)?.rate ?? rate;
          bestRate.set(comp, Math.min(Math.max(rate, bestRate.get(comp) ?? 0), cap));
        }
      }
    } finally {
      for (const p of prepared.values()) p.dispose?.();
    }
    for (const comp of active) {
      const got = samples.get(comp) ?? [];
      const stats = sampleStats(got, Math.min(opts.rounds, roundsRun.get(comp) ?? 1));
      const cpuPerWall = meanCpuPerWall(cpuOf.get(comp) ?? []);
      rows.push({
        ...base(comp),
        gflops: flops / stats.median / 1e9,
        stats,
        ...(cpuPerWall !== undefined ? { cpuPerWall } : {}),
      });
    }
    opts.log?.(
      `  ${shape.label.padEnd(26)} ${rows
        .filter((row) => row.shape === shape.label && row.gflops !== null)
        .map((row) => `${row.label} ${row.gflops?.toFixed(2)}`)
        .join(' | ')}`,
    );
  }
  return rows;
}
