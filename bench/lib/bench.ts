// `npm run bench`: gemm GFLOPS of every kernel, end-to-end training throughput, the auto-vs-best
// check; writes bench/results/latest.json and gflops.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, withProvider } from '../../src/index.js';
import { getProvider, type VulkanProvider } from '../../src/kernels/index.js';
import { autoPolicy, selectProvider } from '../../src/kernels/registry.js';
import { benchGemm, type GemmBenchOptions, type GemmRow } from './gemm-bench.js';
import { type Absent, buildCompetitors, type Competitors, type GemmCompetitor } from './gemm-kernels.js';
import { benchInt8, type Int8BenchOptions, type Int8Row, int8Table } from './int8-bench.js';
import { finishMachineInfo, type MachineInfo, machineInfo, packageVersions, root } from './machine.js';
import { pairedRatio } from './paired.js';
import {
  type AutoCheckRow,
  autoCheckLines,
  gemmTable,
  gflopsChart,
  trainingTable,
  vulkanVsHeadlessglLines,
} from './report.js';
import {
  benchSequences,
  type SequenceBenchOptions,
  type SequenceRow,
  sequenceTable,
} from './sequence-bench.js';
import {
  flopsOf,
  type GemmShape,
  MODELS,
  type ModelName,
  QUICK_SQUARE_SIZES,
  SQUARE_SIZES,
  squareShape,
  trainingShapes,
} from './shapes.js';
import {
  benchTraining,
  makeData,
  type TrainingBenchOptions,
  type TrainingRow,
  type TrainProvider,
  tensorgradModel,
} from './training-bench.js';

export interface BenchOptions {
  mode: 'full' | 'quick' | 'custom';
  squareSizes: number[];
  /** Training-shape products to measure (labels from trainingShapes). */
  trainingShapes: GemmShape[];
  gemm: Omit<GemmBenchOptions, 'log' | 'dtype'>;
  training: Omit<TrainingBenchOptions, 'log' | 'cores' | 'predictStepSec'> | null;
  /** Sequence models (GRU, LSTM, Conv1D) against TF.js; null skips them. */
  sequence: Omit<SequenceBenchOptions, 'log'> | null;
  /** int8 against float32 inference of the wide model (native); null skips it. */
  int8: Omit<Int8BenchOptions, 'log'> | null;
  /** The paired re-timing of auto against the best provider. */
  check: CheckOptions;
  outDir: string;
  /** Writes latest.json and gflops.svg (tests turn it off or point outDir elsewhere). */
  write: boolean;
  /**
   * PyTorch (Debian's python3-torch, in a child process) as a gemm column and training rows;
   * false leaves it out, as does TENSORGRAD_BENCH_TORCH=0. Absent with the reason when not installed.
   */
  torch?: boolean;
  log: (line: string) => void;
}

export function presetOptions(mode: 'full' | 'quick'): BenchOptions {
  const all = [...trainingShapes('seed'), ...trainingShapes('wide')];
  if (mode === 'quick') {
    return {
      mode,
      squareSizes: QUICK_SQUARE_SIZES,
      // One product per model: the seed's middle layer forward and the wide model's big one.
      trainingShapes: all.filter(
        (s) => s.label === 'seed L2 64->32 fwd' || s.label === 'wide L2 1024->1024 fwd',
      ),
      gemm: { rounds: 1, maxTime: 0.05, minSamples: 3, maxCallSec: 0.4, slowCallSec: 0.1 },
      training: {
        models: ['seed', 'wide'],
        rounds: 1,
        maxTime: 0.3,
        minSamples: 2,
        rowsPerCall: { seed: 1024, wide: 256 },
        maxStepSec: 0.5,
        tfjsFitVariant: false,
      },
      sequence: {
        models: ['gru', 'gru-embedding', 'lstm', 'conv1d'],
        providers: ['native', 'auto', 'tfjs-wasm'],
        rounds: 1,
        maxTime: 0.5,
        minSamples: 2,
        rowsPerCall: 128,
        cpuRowsPerCall: 64,
      },
      int8: { threads: [1, 2], batches: [256, 16], pairs: 9, batchSec: 0.1, trainRows: 1024, epochs: 1 },
      check: { pairs: 9, batchSec: 0.02 },
      outDir: join(root, 'bench', 'results'),
      write: true,
      log: (l) => console.log(l),
    };
  }
  return {
    mode,
    squareSizes: SQUARE_SIZES,
    trainingShapes: all,
    gemm: { rounds: 2, maxTime: 0.2, minSamples: 4, maxCallSec: 1.5, slowCallSec: 0.25 },
    training: {
      models: ['seed', 'wide'],
      rounds: 3,
      maxTime: 0.8,
      minSamples: 3,
      rowsPerCall: { seed: 2048, wide: 512 },
      maxStepSec: 3,
      tfjsFitVariant: true,
    },
    sequence: {
      models: ['gru', 'gru-keras2', 'gru-embedding', 'lstm', 'conv1d'],
      providers: ['js', 'native', 'auto', 'tfjs-wasm', 'tfjs-cpu'],
      rounds: 3,
      maxTime: 2,
      minSamples: 3,
      rowsPerCall: 256,
      cpuRowsPerCall: 64,
    },
    int8: { threads: [1, 2], batches: [256, 16], pairs: 21, batchSec: 0.2, trainRows: 2048, epochs: 2 },
    check: { pairs: 15, batchSec: 0.05 },
    outDir: join(root, 'bench', 'results'),
    write: true,
    log: (l) => console.log(l),
  };
}

export interface BenchResult {
  meta: {
    mode: string;
    machine: MachineInfo;
    versions: Record<string, string>;
    notes: string[];
    options: unknown;
    units: Record<string, string>;
  };
  absent: Absent[];
  autoPolicy: typeof autoPolicy.rules;
  gemm: GemmRow[];
  /** auto measured beside the providers on every gemm shape (not a kernel of its own). */
  autoGemm: GemmRow[];
  training: TrainingRow[];
  sequence: SequenceRow[];
  int8: Int8Row[];
  autoCheck: { gemm: AutoCheckRow[]; training: AutoCheckRow[]; violations: number };
}

const TENSORGRAD = new Set(['js-naive', 'js', 'native', 'gpu']);

/** Whether auto may pick the Vulkan provider here (a GPU); never on lavapipe. */
function vulkanAutoEligible(): boolean {
  try {
    return (getProvider('vulkan') as VulkanProvider).autoBlocker === null;
  } catch {
    return false;
  }
}

/** The providers auto could have picked, which the auto check compares it with. */
function autoCandidates(): Set<string> {
  return new Set([...TENSORGRAD, ...(vulkanAutoEligible() ? ['vulkan'] : [])]);
}

interface CheckOptions {
  pairs: number;
  batchSec: number;
}

/**
 * auto against the best provider it could have picked on each shape (native at all threads, any
 * gpu mode, the TypeScript kernels): the best is chosen from the benchmark.js medians, then auto
 * and it are re-timed as alternating pairs, whose median ratio decides (10% bound).
 */
export async function checkAutoGemm(
  rows: GemmRow[],
  autoRows: GemmRow[],
  comps: GemmCompetitor[],
  shapes: GemmShape[],
  cores: number,
  o: CheckOptions,
): Promise<AutoCheckRow[]> {
  const out: AutoCheckRow[] = [];
  const candidatesOf = autoCandidates();
  const autoComp = comps.find((c) => c.kernel === 'auto');
  for (const a of autoRows) {
    const shape = shapes.find((s) => s.label === a.shape);
    if (a.gflops === null || !autoComp || !shape) continue;
    const candidates = rows.filter(
      (r) =>
        r.shape === a.shape &&
        r.gflops !== null &&
        candidatesOf.has(r.kernel) &&
        !r.label.endsWith(' shared') &&
        (r.kernel !== 'native' || r.threads === cores),
    );
    if (candidates.length === 0) continue;
    const best = candidates.sort((x, y) => (y.gflops ?? 0) - (x.gflops ?? 0))[0];
    const bestComp = comps.find((c) => c.label === best.label);
    if (!bestComp) continue;
    const x = new Float32Array(shape.m * shape.k).fill(0.5);
    const w = new Float32Array(shape.k * shape.n).fill(0.25);
    const c1 = new Float32Array(shape.m * shape.n);
    const c2 = new Float32Array(shape.m * shape.n);
    await autoComp.before?.();
    await bestComp.before?.();
    const pa = await autoComp.prepare(shape, x, w, c1);
    const pb = await bestComp.prepare(shape, x, w, c2);
    const paired = pairedRatio(pa.run, pb.run, o);
    out.push({
      what: a.shape,
      auto: a.gflops,
      best: { label: best.label, value: best.gflops ?? 0 },
      benchmarkSlowdown: (best.gflops ?? 0) / a.gflops,
      slowdown: paired.ratio,
      pairs: paired.pairs,
      autoPicked: autoPick(shape),
      ok: paired.ratio <= 1.1,
    });
  }
  return out;
}

/** The provider 'auto' runs a float32 product of this shape on. */
function autoPick(s: { m: number; n: number; k: number }): string {
  return selectProvider(2 * s.m * s.n * s.k, 'float32', 'auto')?.name ?? 'reference';
}

export async function checkAutoTraining(rows: TrainingRow[], o: CheckOptions): Promise<AutoCheckRow[]> {
  const out: AutoCheckRow[] = [];
  for (const model of Object.keys(MODELS) as ModelName[]) {
    const autoRow = rows.find((r) => r.model === model && r.provider === 'auto');
    const auto = autoRow?.samplesPerSec;
    // auto runs native on all cores: the single-thread native row is not a choice it has.
    const cands = rows.filter(
      (r) =>
        r.model === model &&
        r.samplesPerSec !== null &&
        (r.provider !== 'native' || r.threads === autoRow?.threads) &&
        ['js', 'native', 'gpu', ...(vulkanAutoEligible() ? ['vulkan'] : [])].includes(r.provider),
    );
    if (!auto || !autoRow || cands.length === 0) continue;
    const best = cands.sort((x, y) => (y.samplesPerSec ?? 0) - (x.samplesPerSec ?? 0))[0];
    const data = makeData(MODELS[model].widths[0], autoRow.rowsPerCall);
    const xt = new Tensor(data.x, [data.rows, data.features]);
    const fitOn = (backend: string) => {
      const m = tensorgradModel(model);
      return () => {
        withProvider(backend, () =>
          m.fit(xt, data.y, { epochs: 1, batchSize: MODELS[model].batch, verbose: 0 }),
        );
      };
    };
    const paired = pairedRatio(fitOn('auto'), fitOn(best.provider), {
      pairs: Math.min(o.pairs, 9),
      batchSec: 0.05,
    });
    out.push({
      what: `${model} training`,
      auto,
      best: { label: best.provider, value: best.samplesPerSec ?? 0 },
      benchmarkSlowdown: (best.samplesPerSec ?? 0) / auto,
      slowdown: paired.ratio,
      pairs: paired.pairs,
      autoPicked: [...new Set(trainingShapes(model).map(autoPick))].join('+'),
      ok: paired.ratio <= 1.1,
    });
  }
  return out;
}

/** Seconds per training step predicted from the gemm rates (3 products per layer; the rest ignored). */
function stepPredictor(rows: GemmRow[], cores: number) {
  const labelFor: Record<string, (r: GemmRow) => boolean> = {
    js: (r) => r.kernel === 'js',
    native: (r) => r.kernel === 'native' && r.threads === cores,
    gpu: (r) => r.kernel === 'gpu',
    vulkan: (r) => r.kernel === 'vulkan' && !r.label.endsWith(' shared'),
    'tfjs-cpu': (r) => r.kernel === 'tfjs-cpu',
    'tfjs-wasm': (r) => r.kernel === 'tfjs-wasm',
  };
  return (model: ModelName, provider: TrainProvider): number | undefined => {
    const pick = labelFor[provider];
    if (!pick) return undefined;
    const mine = rows.filter((r) => pick(r) && r.gflops !== null);
    if (mine.length === 0) return undefined;
    const bestRate = Math.max(...mine.map((r) => r.gflops ?? 0));
    let sec = 0;
    for (const s of trainingShapes(model)) {
      const measured = mine.filter((r) => r.shape === s.label).map((r) => r.gflops ?? 0);
      const rate = measured.length ? Math.max(...measured) : bestRate;
      sec += flopsOf(s) / (rate * 1e9);
    }
    return sec;
  };
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const machine = machineInfo();
  const versions = packageVersions();
  o.log(
    `tensorgrad bench (${o.mode}): ${machine.cpuModel}, ${machine.availableParallelism} cores, node ${machine.node}, ` +
      `load average ${machine.loadAverageStart.join(' ')}`,
  );
  const comps = await buildCompetitors({ auto: true, torch: o.torch !== false });
  try {
    return await measureAndReport(o, comps, machine, versions);
  } finally {
    comps.torch?.peer?.close();
  }
}

async function measureAndReport(
  o: BenchOptions,
  comps: Competitors,
  machine: MachineInfo,
  versions: Record<string, string>,
): Promise<BenchResult> {
  Object.assign(versions, comps.versions);
  for (const n of comps.notes) o.log(`  ${n}`);
  for (const a of comps.absent) o.log(`  absent: ${a.label}: ${a.reason}`);
  o.log(`  auto policy: ${JSON.stringify(autoPolicy.rules)}`);

  const shapes = [...o.squareSizes.map(squareShape), ...o.trainingShapes];
  o.log(`\nsgemm on ${shapes.length} shapes (${o.gemm.rounds} interleaved round(s) per shape)`);
  const all = await benchGemm(shapes, comps.list, { ...o.gemm, log: o.log });
  const gemm = all.filter((r) => r.kernel !== 'auto');
  const autoGemm = all.filter((r) => r.kernel === 'auto');

  let training: TrainingRow[] = [];
  if (o.training) {
    o.log(`\ntraining throughput (${o.training.rounds} interleaved round(s))`);
    training = await benchTraining({
      ...o.training,
      cores: comps.cores,
      torch: comps.torch,
      predictStepSec: stepPredictor(gemm, comps.cores),
      log: o.log,
    });
  }
  let sequence: SequenceRow[] = [];
  if (o.sequence) {
    o.log(`\nsequence models, batch 64, 50 steps (${o.sequence.rounds} interleaved round(s))`);
    sequence = await benchSequences({ ...o.sequence, log: o.log });
  }
  let int8: Int8Row[] = [];
  if (o.int8) {
    o.log('\nint8 inference of the wide model (float32 and int8 timed in alternating batches)');
    try {
      int8 = benchInt8({ ...o.int8, log: o.log });
    } catch (err) {
      o.log(`  absent: int8 inference: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  o.log('\nauto vs best single provider (paired re-timing)');
  const autoCheck = {
    gemm: await checkAutoGemm(gemm, autoGemm, comps.list, shapes, comps.cores, o.check),
    training: await checkAutoTraining(training, o.check),
    violations: 0,
  };
  autoCheck.violations = [...autoCheck.gemm, ...autoCheck.training].filter((r) => !r.ok).length;
  finishMachineInfo(machine);

  if (gemm.length) {
    o.log(`\n${gemmTable(gemm, comps.absent)}`);
    for (const l of vulkanVsHeadlessglLines(gemm)) o.log(l);
  }
  const vulkanColumn = comps.list.find((c) => c.kernel === 'vulkan')?.label;
  if (training.length) o.log(`\n${trainingTable(training, vulkanColumn)}`);
  if (sequence.length) o.log(`\n${sequenceTable(sequence)}`);
  if (int8.length) o.log(`\n${int8Table(int8)}`);
  o.log('');
  for (const l of autoCheckLines(autoCheck.gemm, 'GFLOPS')) o.log(l);
  for (const l of autoCheckLines(autoCheck.training, 'samples/s')) o.log(l);
  o.log(
    `auto vs best single provider: ${autoCheck.violations} violation(s) of the 10% bound on ${
      autoCheck.gemm.length + autoCheck.training.length
    } checks`,
  );
  o.log(
    `load average at start ${machine.loadAverageStart.join(' ')}, at end ${machine.loadAverageEnd?.join(' ')}`,
  );

  const result: BenchResult = {
    meta: {
      mode: o.mode,
      machine,
      versions,
      notes: comps.notes,
      options: {
        squareSizes: o.squareSizes,
        trainingShapes: o.trainingShapes.map((s) => s.label),
        gemm: o.gemm,
        training: o.training,
        sequence: o.sequence,
        int8: o.int8,
      },
      units: {
        'gemm.gflops': '2*m*n*k / median seconds per call / 1e9',
        'gemm.stats': 'seconds per call (benchmark.js samples, all rounds)',
        'training.samplesPerSec': 'rowsPerCall / median seconds per call',
        'training.stats': 'seconds per call of rowsPerCall rows',
        'int8.samplesPerSec':
          'batch / median seconds of model.predict on one batch of that size (paired batches)',
        'sequence.samplesPerSec': 'rowsPerCall / median seconds per call of model.fit (batch 64, 50 steps)',
      },
    },
    absent: comps.absent,
    autoPolicy: autoPolicy.rules,
    gemm,
    autoGemm,
    training,
    sequence,
    int8,
    autoCheck,
  };
  if (o.write) {
    mkdirSync(o.outDir, { recursive: true });
    writeFileSync(join(o.outDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(o.outDir, 'gflops.svg'), await gflopsChart(gemm));
    o.log(`wrote ${join(o.outDir, 'latest.json')} and gflops.svg`);
  }
  return result;
}
