// End-to-end training throughput: the same architecture, data and batch size on every tensorgrad
// provider, on TensorFlow.js (cpu and wasm backends) and on PyTorch (a peer process, when Debian's
// python3-torch imports), interleaved round by round; native and torch at 1 thread and all cores.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { Adam, Dense, Dropout, Generator, Model, Tensor, withProvider } from '../../src/index.js';
import { setNativeThreads } from '../../src/kernels/native/provider.js';
import { getProvider } from '../../src/kernels/registry.js';
import { OPENBLAS_IDLE_SPIN_MS, settle } from '../measure.mjs';
import { MODELS, type ModelName } from './shapes.js';
import {
  type Measured,
  meanCpuPerWall,
  measureHere,
  type RunOptions,
  type Stats,
  sampleStats,
} from './stats.js';
import { loadTfjs, type TfBackend, type TfjsInfo, useTfBackend } from './tfjs.js';
import type { TorchPeer, TorchStart } from './torch.js';

export type TrainProvider = 'js' | 'native' | 'gpu' | 'vulkan' | 'auto' | 'tfjs-cpu' | 'tfjs-wasm' | 'torch';

export interface TrainingRow {
  model: ModelName;
  provider: TrainProvider;
  /**
   * Threads the row trained on: native and torch at 1 and at all cores, auto at all cores, the
   * single-threaded providers (js, gpu.js, tfjs) at 1. Ratios compare rows of equal threads.
   */
  threads: number;
  /**
   * tfjs: 'minimize' (manual optimizer.minimize loop) or 'fit' (model.fit); tensorgrad: 'fit';
   * torch: 'loop' (the usual zero_grad, forward, backward, step loop).
   */
  variant: string;
  /** Median; null when skipped or absent. */
  samplesPerSec: number | null;
  rowsPerCall: number;
  /** Seconds per call of rowsPerCall rows. */
  stats: Stats | null;
  /** CPU seconds per wall second of the process that trained (mean over rounds); see Measured. */
  cpuPerWall?: number;
  skipped?: string;
  /** Another variant measured for the same provider (the row keeps the faster one). */
  alternatives?: Array<{ variant: string; samplesPerSec: number; stats: Stats }>;
}

export interface TrainingData {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  features: number;
}

/** A learnable binary target over standard-normal features (the same rows for every competitor). */
export function makeData(features: number, rows: number, seed = 1): TrainingData {
  const g = new Generator(seed);
  const x = new Float32Array(rows * features);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < features; j++) {
      const v = g.normal();
      x[i * features + j] = v;
      s += v * (j % 3 === 0 ? 1 : -0.5);
    }
    y[i] = s + x[i * features] * x[i * features + 1] > 0 ? 1 : 0;
  }
  return { x, y, rows, features };
}

export function tensorgradModel(name: ModelName, seed = 1): Model {
  const { widths, dropout } = MODELS[name];
  const layers = [];
  for (let l = 1; l < widths.length; l++) {
    const last = l === widths.length - 1;
    layers.push(
      new Dense(widths[l], {
        activation: last ? 'sigmoid' : 'relu',
        ...(l === 1 ? { inputDim: widths[0] } : {}),
      }),
    );
    if (!last) layers.push(new Dropout(dropout));
  }
  const model = new Model(layers, { seed });
  model.compile({ optimizer: new Adam({ lr: 0.001 }), loss: 'binaryCrossentropy' });
  return model;
}

export function tfjsModel(tf: typeof TF, name: ModelName, logitsHead: boolean): TF.Sequential {
  const { widths, dropout } = MODELS[name];
  const model = tf.sequential();
  for (let l = 1; l < widths.length; l++) {
    const last = l === widths.length - 1;
    model.add(
      tf.layers.dense({
        units: widths[l],
        activation: last ? (logitsHead ? 'linear' : 'sigmoid') : 'relu',
        ...(l === 1 ? { inputShape: [widths[0]] } : {}),
      }),
    );
    if (!last) model.add(tf.layers.dropout({ rate: dropout }));
  }
  return model;
}

export interface Runner {
  /** One call of rowsPerCall rows (also the untimed warm-up). */
  run: () => void | Promise<void>;
  /** Takes the samples itself (seconds per call): the torch peer times its calls in its process. */
  measure?: (o: RunOptions) => Promise<Measured>;
  dispose?: () => void | Promise<void>;
}

interface Competitor {
  provider: TrainProvider;
  threads: number;
  variant: string;
  before?: () => void | Promise<void>;
  /** After each of its runs, before the next competitor is timed. */
  after?: () => void;
  make(data: TrainingData, batch: number): Promise<Runner> | Runner;
}

function tensorgradCompetitor(
  model: ModelName,
  provider: 'js' | 'native' | 'gpu' | 'vulkan' | 'auto',
  threads: number,
): Competitor {
  return {
    provider,
    threads,
    variant: 'fit',
    before: () => {
      if (provider === 'native' || provider === 'auto') {
        try {
          setNativeThreads(threads);
        } catch {}
      }
    },
    make: (data, batch) => {
      const m = tensorgradModel(model);
      const x = new Tensor(data.x, [data.rows, data.features]);
      return {
        run: () => {
          withProvider(provider, () => m.fit(x, data.y, { epochs: 1, batchSize: batch, verbose: 0 }));
        },
      };
    },
  };
}

function tfjsCompetitor(
  model: ModelName,
  backend: TfBackend,
  variant: 'minimize' | 'fit',
  threads: number,
): Competitor {
  let tf: typeof TF;
  return {
    provider: backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm',
    threads,
    variant,
    before: async () => {
      tf = (await loadTfjs()).tf;
      await useTfBackend(tf, backend);
    },
    make: (data, batch) => {
      if (variant === 'fit') {
        // Keras's way: sigmoid output, binary cross-entropy, model.fit with shuffling.
        const m = tfjsModel(tf, model, false);
        m.compile({ optimizer: tf.train.adam(0.001, 0.9, 0.999, 1e-7), loss: 'binaryCrossentropy' });
        const x = tf.tensor2d(data.x, [data.rows, data.features]);
        const y = tf.tensor2d(data.y, [data.rows, 1]);
        return {
          run: async () => {
            await m.fit(x, y, { epochs: 1, batchSize: batch, shuffle: true, verbose: 0 });
          },
          dispose: () => {
            tf.dispose([x, y]);
            m.dispose();
          },
        };
      }
      // The lean way: batches sliced once, a fused sigmoid cross-entropy from logits (what tensorgrad
      // fuses too), optimizer.minimize per batch inside tidy; no callbacks, no async yields.
      const m = tfjsModel(tf, model, true);
      const opt = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
      const xs: TF.Tensor2D[] = [];
      const ys: TF.Tensor2D[] = [];
      for (let s = 0; s < data.rows; s += batch) {
        const r = Math.min(batch, data.rows - s);
        xs.push(tf.tensor2d(data.x.subarray(s * data.features, (s + r) * data.features), [r, data.features]));
        ys.push(tf.tensor2d(data.y.subarray(s, s + r), [r, 1]));
      }
      return {
        run: () => {
          for (let i = 0; i < xs.length; i++) {
            tf.tidy(() => {
              opt.minimize(() => {
                const logits = m.apply(xs[i], { training: true }) as TF.Tensor;
                return tf.losses.sigmoidCrossEntropy(ys[i], logits);
              });
            });
          }
        },
        dispose: () => {
          tf.dispose([...xs, ...ys]);
          opt.dispose();
          m.dispose();
        },
      };
    },
  };
}

/**
 * The same model in PyTorch (bench/torch_peer.py), trained on the same rows, written to a scratch
 * file once per model: a Linear + ReLU + Dropout stack, BCEWithLogitsLoss on the logit (what
 * tensorgrad's sigmoid + binaryCrossentropy trains on), Adam(0.001, eps 1e-7), shuffled every epoch.
 */
function torchCompetitor(model: ModelName, peer: TorchPeer, threads: number, scratch: string): Competitor {
  return {
    provider: 'torch',
    threads,
    variant: 'loop',
    // torch's products run on OpenBLAS, whose idle workers spin for ~125 ms after a threaded call.
    ...(threads > 1 ? { after: () => settle(OPENBLAS_IDLE_SPIN_MS) } : {}),
    make: async (data, batch) => {
      const { widths, dropout } = MODELS[model];
      const xPath = join(scratch, `${model}-${data.rows}-x.f32`);
      const yPath = join(scratch, `${model}-${data.rows}-y.f32`);
      writeFileSync(xPath, new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
      writeFileSync(yPath, new Uint8Array(data.y.buffer, data.y.byteOffset, data.y.byteLength));
      const handle = await peer.setupTraining({ widths, dropout, batch, rows: data.rows, xPath, yPath });
      return {
        // The warm-up: one short untimed measurement.
        run: async () => {
          await peer.measure(handle, threads, { maxTime: 0, minSamples: 1 });
        },
        measure: (o) => peer.measure(handle, threads, o),
        dispose: () => peer.dispose(handle),
      };
    },
  };
}

export interface TrainingBenchOptions {
  models: ModelName[];
  rounds: number;
  maxTime: number;
  minSamples: number;
  /** Rows per timed call, per model. */
  rowsPerCall: Record<ModelName, number>;
  /** Predicted seconds per training step of a provider (from the gemm rates), for skipping. */
  predictStepSec?: (model: ModelName, provider: TrainProvider) => number | undefined;
  maxStepSec: number;
  /** Measure tfjs's model.fit as well as its minimize loop (the row keeps the faster). */
  tfjsFitVariant: boolean;
  cores: number;
  /** The PyTorch peer, or why it is absent (its rows say so); null leaves torch out. */
  torch?: TorchStart | null;
  log?: (line: string) => void;
}

export async function benchTraining(opts: TrainingBenchOptions): Promise<TrainingRow[]> {
  const rows: TrainingRow[] = [];
  let tfInfo: TfjsInfo | null = null;
  try {
    tfInfo = await loadTfjs();
  } catch {}
  const scratch = mkdtempSync(join(tmpdir(), 'tensorgrad-bench-torch-'));
  try {
    await trainEachModel(opts, rows, tfInfo, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    // The native x1 rows leave the pool at one thread; what follows (the auto check) expects all.
    try {
      setNativeThreads(opts.cores);
    } catch {}
  }
  return rows;
}

async function trainEachModel(
  opts: TrainingBenchOptions,
  rows: TrainingRow[],
  tfInfo: TfjsInfo | null,
  scratch: string,
): Promise<void> {
  const gpuAvailable = (() => {
    try {
      getProvider('gpu');
      return true;
    } catch {
      return false;
    }
  })();
  /** Why the vulkan provider cannot train here, or null. */
  const vulkanAbsent = (() => {
    try {
      getProvider('vulkan');
      return null;
    } catch (err) {
      return `absent: ${err instanceof Error ? err.message : String(err)}`;
    }
  })();
  for (const model of opts.models) {
    const { batch, widths } = MODELS[model];
    const rowsPerCall = opts.rowsPerCall[model];
    const data = makeData(widths[0], rowsPerCall);
    const comps: Competitor[] = [];
    const skippedRows: TrainingRow[] = [];
    const skip = (provider: TrainProvider, variant: string, why: string, threads = 1) =>
      skippedRows.push({
        model,
        provider,
        threads,
        variant,
        samplesPerSec: null,
        rowsPerCall,
        stats: null,
        skipped: why,
      });
    const consider = (c: Competitor) => {
      const step = opts.predictStepSec?.(model, c.provider);
      if (step !== undefined && step > opts.maxStepSec) {
        skip(
          c.provider,
          c.variant,
          `one step would take ~${step.toFixed(1)} s (limit ${opts.maxStepSec} s)`,
          c.threads,
        );
      } else comps.push(c);
    };
    const threadCounts = [...new Set([1, opts.cores])];
    for (const p of ['js', 'native', 'gpu', 'vulkan', 'auto'] as const) {
      if (p === 'gpu' && !gpuAvailable) skip('gpu', 'fit', 'no gpu provider in this build');
      else if (p === 'vulkan' && vulkanAbsent !== null) skip('vulkan', 'fit', vulkanAbsent);
      else if (p === 'native') for (const t of threadCounts) consider(tensorgradCompetitor(model, p, t));
      else consider(tensorgradCompetitor(model, p, p === 'auto' ? opts.cores : 1));
    }
    for (const backend of ['cpu', 'wasm'] as const) {
      const provider: TrainProvider = backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm';
      if (!tfInfo) {
        skip(provider, 'minimize', 'tfjs did not load');
        continue;
      }
      const threads = backend === 'wasm' ? tfInfo.wasm.threads : 1;
      consider(tfjsCompetitor(model, backend, 'minimize', threads));
      const step = opts.predictStepSec?.(model, provider);
      if (opts.tfjsFitVariant && (step === undefined || step < opts.maxStepSec / 4)) {
        comps.push(tfjsCompetitor(model, backend, 'fit', threads));
      }
    }
    if (opts.torch?.peer) {
      for (const t of threadCounts) comps.push(torchCompetitor(model, opts.torch.peer, t, scratch));
    } else if (opts.torch) {
      for (const t of threadCounts) skip('torch', 'loop', `absent: ${opts.torch.absent}`, t);
    }
    const runners = new Map<Competitor, Runner>();
    const roundsRun = new Map<Competitor, number>();
    const samples = new Map<Competitor, number[]>(comps.map((c) => [c, []]));
    const cpuOf = new Map<Competitor, number[]>(comps.map((c) => [c, []]));
    try {
      for (let r = 0; r < opts.rounds; r++) {
        const order = comps.map((_, i) => comps[(i + r) % comps.length]);
        for (const c of order) {
          // A call of several seconds (js or gpu.js on the wide model) gets one round only.
          if (r > 0 && (opts.predictStepSec?.(model, c.provider) ?? 0) * (rowsPerCall / batch) > 1) continue;
          await c.before?.();
          let runner = runners.get(c);
          if (!runner) {
            runner = await c.make(data, batch);
            runners.set(c, runner);
            // Untimed warm-up: JIT, buffers, tfjs kernel set-up.
            await runner.run();
          }
          const runOpts = { maxTime: opts.maxTime, minSamples: opts.minSamples };
          const got = runner.measure ? await runner.measure(runOpts) : await measureHere(runner.run, runOpts);
          c.after?.();
          samples.get(c)?.push(...got.samples);
          cpuOf.get(c)?.push(got.cpuPerWall);
          roundsRun.set(c, (roundsRun.get(c) ?? 0) + 1);
        }
      }
    } finally {
      for (const [c, runner] of runners) {
        await c.before?.();
        await runner.dispose?.();
      }
    }
    const measured = comps.map((c) => {
      const stats = sampleStats(samples.get(c) ?? [], roundsRun.get(c) ?? 1);
      return {
        c,
        stats,
        samplesPerSec: rowsPerCall / stats.median,
        cpuPerWall: meanCpuPerWall(cpuOf.get(c) ?? []),
      };
    });
    // One row per provider and thread count: the faster variant, the other kept as an alternative.
    const keys = [...new Set(measured.map((m) => `${m.c.provider} ${m.c.threads}`))];
    for (const key of keys) {
      const mine = measured
        .filter((m) => `${m.c.provider} ${m.c.threads}` === key)
        .sort((a, b) => b.samplesPerSec - a.samplesPerSec);
      const [best, ...rest] = mine;
      rows.push({
        model,
        provider: best.c.provider,
        threads: best.c.threads,
        variant: best.c.variant,
        samplesPerSec: best.samplesPerSec,
        rowsPerCall,
        stats: best.stats,
        ...(best.cpuPerWall !== undefined ? { cpuPerWall: best.cpuPerWall } : {}),
        ...(rest.length
          ? {
              alternatives: rest.map((m) => ({
                variant: m.c.variant,
                samplesPerSec: m.samplesPerSec,
                stats: m.stats,
              })),
            }
          : {}),
      });
    }
    rows.push(...skippedRows);
    opts.log?.(
      `  ${model}: ${rows
        .filter((r) => r.model === model && r.samplesPerSec !== null)
        .map((r) => `${r.provider} x${r.threads}(${r.variant}) ${Math.round(r.samplesPerSec ?? 0)}`)
        .join(' | ')}`,
    );
  }
}
