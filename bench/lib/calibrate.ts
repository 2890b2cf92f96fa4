// Turns measured gemm rates into `autoPolicy.rules`: for each dtype, which tensorgrad provider is
// fastest at each amount of work (2*m*n*k), and where the winner changes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AutoRule } from '../../src/kernels/registry.js';
import { benchGemm, type GemmRow } from './gemm-bench.js';
import { buildCompetitors } from './gemm-kernels.js';
import { finishMachineInfo, type MachineInfo, machineInfo } from './machine.js';
import { flopsOf, type GemmShape, squareShape, trainingShapes } from './shapes.js';

/** The provider auto falls back to when no rule matches (registry.selectProvider). */
export const FALLBACK = 'js';

export interface WinnerPoint {
  flops: number;
  shape: string;
  winner: string;
  /** seconds per call of every provider measured on this shape. */
  times: Record<string, number>;
}

export interface Calibration {
  dtype: string;
  points: WinnerPoint[];
  rules: AutoRule[];
}

/** The provider name auto would use for a measured row ('gpu' for every gpu.js mode). */
function providerOf(row: GemmRow): string {
  return row.kernel;
}

/**
 * Winner per shape (ties within `tolerance` go to the provider already winning at the next larger
 * shape, so noise does not add rules), then one rule per run of equal winners, scanned from the
 * largest work down. A boundary sits at the geometric mean of the two shapes' work.
 */
export function deriveRules(rows: GemmRow[], dtype: string, tolerance = 0.03): Calibration {
  const byShape = new Map<string, GemmRow[]>();
  for (const r of rows) {
    if (r.dtype !== dtype || r.stats === null || r.kernel === 'auto') continue;
    const list = byShape.get(r.shape) ?? [];
    list.push(r);
    byShape.set(r.shape, list);
  }
  const points: WinnerPoint[] = [];
  for (const [shape, list] of byShape) {
    const times: Record<string, number> = {};
    for (const r of list) {
      const p = providerOf(r);
      const t = r.stats?.median ?? Number.POSITIVE_INFINITY;
      if (times[p] === undefined || t < times[p]) times[p] = t;
    }
    const best = Object.entries(times).sort((a, b) => a[1] - b[1])[0][0];
    points.push({ flops: 2 * list[0].m * list[0].n * list[0].k, shape, winner: best, times });
  }
  points.sort((a, b) => b.flops - a.flops);
  let previous: string | null = null;
  for (const p of points) {
    if (previous !== null && p.times[previous] !== undefined) {
      const bestTime = p.times[p.winner];
      if (p.times[previous] <= bestTime * (1 + tolerance)) p.winner = previous;
    }
    previous = p.winner;
  }
  const rules: AutoRule[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const next = points[i + 1];
    if (next && next.winner === p.winner) continue;
    // p is the smallest shape of a run of equal winners.
    const minFlops = next ? Math.round(Math.sqrt(p.flops * next.flops)) : 0;
    if (!next && p.winner === FALLBACK) break;
    rules.push({ provider: p.winner, minFlops });
  }
  // A js run between two others keeps its explicit rule (js is always registered) so the rule
  // below it does not catch its shapes; the lowest js run is the fallback and needs none.
  return { dtype, points: points.reverse(), rules };
}

export interface CalibrationResult {
  machine: MachineInfo;
  command: string;
  calibrations: Calibration[];
  /** One rule list for both dtypes (a rule's provider must support the dtype, else it is passed). */
  recommended: AutoRule[];
  rows: GemmRow[];
}

/** Cubes from tiny to where the ranking no longer changes, plus the bench's training products. */
export function calibrationShapes(quick: boolean): GemmShape[] {
  const cubes = quick
    ? [2, 4, 8, 16, 32, 64, 128, 256]
    : [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
  const train = [...trainingShapes('seed'), ...trainingShapes('wide')];
  return [...cubes.map(squareShape), ...(quick ? train.filter((s) => s.group === 'seed') : train)];
}

/**
 * Merges the per-dtype rule lists: equal lists are used as they are; otherwise each provider's
 * threshold is the larger of the dtypes' (a provider must win for both before auto sends both to it).
 */
export function mergeRules(cals: Calibration[]): AutoRule[] {
  const [first, ...rest] = cals;
  if (rest.every((c) => JSON.stringify(c.rules) === JSON.stringify(first.rules))) return first.rules;
  const min = new Map<string, number>();
  for (const c of cals)
    for (const r of c.rules) min.set(r.provider, Math.max(min.get(r.provider) ?? 0, r.minFlops));
  return [...min.entries()]
    .map(([provider, minFlops]) => ({ provider, minFlops }))
    .sort((a, b) => b.minFlops - a.minFlops);
}

export async function runCalibration(opts: {
  quick: boolean;
  outDir: string;
  write: boolean;
  log: (l: string) => void;
}): Promise<CalibrationResult> {
  const machine = machineInfo();
  const comps = await buildCompetitors({ tensorgradOnly: true });
  const shapes = calibrationShapes(opts.quick).sort((a, b) => flopsOf(a) - flopsOf(b));
  opts.log(
    `auto-dispatch calibration: ${comps.list.map((c) => c.label).join(', ')} on ${shapes.length} shapes, float32 and float64; load ${machine.loadAverageStart.join(' ')}`,
  );
  const rows: GemmRow[] = [];
  const calibrations: Calibration[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const measured = await benchGemm(shapes, comps.list, {
      rounds: opts.quick ? 1 : 3,
      maxTime: opts.quick ? 0.05 : 0.1,
      minSamples: 3,
      maxCallSec: 0.5,
      slowCallSec: 0.1,
      dtype,
    });
    rows.push(...measured);
    const cal = deriveRules(measured, dtype);
    calibrations.push(cal);
    opts.log(`\n${dtype}: winner by work (2*m*n*k)`);
    for (const p of cal.points) {
      const ranked = Object.entries(p.times)
        .sort((a, b) => a[1] - b[1])
        .map(([k, t]) => `${k} ${(t * 1e6).toFixed(2)}us`)
        .join(', ');
      opts.log(
        `  ${p.shape.padEnd(24)} ${p.flops.toExponential(2).padStart(9)} flops -> ${p.winner.padEnd(8)} (${ranked})`,
      );
    }
    opts.log(`  rules for ${dtype}: ${JSON.stringify(cal.rules)}`);
  }
  const recommended = mergeRules(calibrations);
  finishMachineInfo(machine);
  opts.log(`\nrecommended autoPolicy.rules = ${JSON.stringify(recommended)}`);
  const result: CalibrationResult = {
    machine,
    command: 'npm run bench -- --calibrate',
    calibrations,
    recommended,
    rows,
  };
  if (opts.write) {
    mkdirSync(opts.outDir, { recursive: true });
    writeFileSync(join(opts.outDir, 'auto-policy.json'), `${JSON.stringify(result, null, 2)}\n`);
    opts.log(`wrote ${join(opts.outDir, 'auto-policy.json')}`);
  }
  return result;
}
