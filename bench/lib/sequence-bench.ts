// Sequence-model training throughput: GRU, LSTM and Conv1D layers on 50-step sequences, batch 64,
// on tensorgrad's providers and on TensorFlow.js (wasm and cpu backends), interleaved round by
// round, every competitor on the same thread count (tfjs-wasm runs one thread in Node: no
// SharedArrayBuffer workers), Adam and binary cross-entropy on the same rows.
import type * as TF from '@tensorflow/tfjs';
import {
  Adam,
  Conv1D,
  Dense,
  Embedding,
  Generator,
  GlobalMaxPooling1D,
  GRU,
  LSTM,
  Model,
  type Module,
  Tensor,
  withProvider,
} from '../../src/index.js';
import { setNativeThreads } from '../../src/kernels/native/provider.js';
import { runBenchmark, type Stats, sampleStats } from './stats.js';
import { loadTfjs, type TfBackend, useTfBackend } from './tfjs.js';

export const SEQUENCE_STEPS = 50;
export const SEQUENCE_FEATURES = 16;
export const SEQUENCE_BATCH = 64;
const VOCABULARY = 50;

/**
 * The benchmarked models. Inputs are [batch, 50, 16] float sequences (what an Embedding(16) gives)
 * except for gru-embedding, which starts from token ids. TF.js's wasm backend has no kernel for an
 * embedding's gradient (UnsortedSegmentSum): on wasm its embedding table is frozen (trainable
 * false), which spares TF.js that work while tensorgrad still does it. Nor has it one for a 1-D
 * convolution's kernel gradient (Conv2DBackpropFilter): conv1d trains on tfjs-cpu only.
 */
export const SEQUENCE_MODELS = {
  gru: 'GRU(64) on 16 features, reset_after false (TF.js has no other GRU) -> Dense(1)',
  'gru-keras2': 'GRU(64) on 16 features, resetAfter true (Keras 2 default; no TF.js twin) -> Dense(1)',
  'gru-embedding':
    'Embedding(50, 16) -> GRU(64, reset_after false) -> Dense(1) (on tfjs-wasm the embedding is frozen)',
  lstm: 'LSTM(64) on 16 features -> Dense(1)',
  conv1d: "Conv1D(64, 5, 'same', relu) -> GlobalMaxPooling1D -> Dense(1)",
} as const;
export type SequenceModelName = keyof typeof SEQUENCE_MODELS;

export type SequenceProvider = 'js' | 'native' | 'auto' | 'tfjs-wasm' | 'tfjs-cpu';

export interface SequenceRow {
  model: SequenceModelName;
  provider: SequenceProvider;
  threads: number;
  samplesPerSec: number | null;
  rowsPerCall: number;
  stats: Stats | null;
  skipped?: string;
}

export interface SequenceBenchOptions {
  models: SequenceModelName[];
  providers: SequenceProvider[];
  rounds: number;
  maxTime: number;
  minSamples: number;
  /** Rows per timed call (a multiple of the batch). */
  rowsPerCall: number;
  /** tfjs-cpu takes seconds per batch: its rows per call (one batch by default) and one round. */
  cpuRowsPerCall: number;
  log?: (line: string) => void;
}

interface SequenceData {
  x: Float32Array;
  ids: Float32Array;
  y: Float32Array;
  rows: number;
}

/** Rows whose label depends on the order of the steps (the sign of a decayed sum of feature 0). */
export function sequenceData(rows: number, seed = 1): SequenceData {
  const g = new Generator(seed);
  const T = SEQUENCE_STEPS;
  const F = SEQUENCE_FEATURES;
  const x = new Float32Array(rows * T * F);
  const ids = new Float32Array(rows * T);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = 0; t < T; t++) {
      ids[r * T + t] = 1 + g.int(VOCABULARY - 1);
      for (let f = 0; f < F; f++) x[(r * T + t) * F + f] = g.normal();
      s = 0.8 * s + x[(r * T + t) * F];
    }
    y[r] = s > 0 ? 1 : 0;
  }
  return { x, ids, y, rows };
}

function tensorgradLayers(model: SequenceModelName): Module[] {
  const head = new Dense(1, { activation: 'sigmoid' });
  switch (model) {
    case 'gru':
      return [new GRU(64, { resetAfter: false }), head];
    case 'gru-keras2':
      return [new GRU(64), head];
    case 'gru-embedding':
      return [new Embedding(VOCABULARY, SEQUENCE_FEATURES), new GRU(64, { resetAfter: false }), head];
    case 'lstm':
      return [new LSTM(64), head];
    case 'conv1d':
      return [new Conv1D(64, 5, { padding: 'same', activation: 'relu' }), new GlobalMaxPooling1D(), head];
  }
}

function tfjsModel(tf: typeof TF, model: SequenceModelName, backend: TfBackend): TF.Sequential | null {
  const m = tf.sequential();
  const input = { inputShape: [SEQUENCE_STEPS, SEQUENCE_FEATURES] };
  switch (model) {
    case 'gru':
      m.add(tf.layers.gru({ units: 64, recurrentActivation: 'sigmoid', ...input }));
      break;
    case 'gru-keras2':
      return null;
    case 'gru-embedding':
      m.add(
        tf.layers.embedding({
          inputDim: VOCABULARY,
          outputDim: SEQUENCE_FEATURES,
          inputLength: SEQUENCE_STEPS,
          trainable: backend !== 'wasm',
        }),
      );
      m.add(tf.layers.gru({ units: 64, recurrentActivation: 'sigmoid' }));
      break;
    case 'lstm':
      m.add(tf.layers.lstm({ units: 64, recurrentActivation: 'sigmoid', ...input }));
      break;
    case 'conv1d':
      m.add(tf.layers.conv1d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', ...input }));
      m.add(tf.layers.globalMaxPooling1d());
      break;
  }
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  return m;
}

/** Why a TF.js backend cannot train a model, or null. */
function tfjsCannot(model: SequenceModelName, backend: TfBackend): string | null {
  if (model === 'gru-keras2') return 'TF.js has no GRU with reset_after true';
  if (backend === 'wasm' && model === 'conv1d') {
    return "tfjs-wasm 4.22 has no 'Conv2DBackpropFilter' kernel (a convolution's kernel gradient)";
  }
  return null;
}

interface Runner {
  run: () => void | Promise<void>;
  dispose?: () => void;
}

function tensorgradRunner(model: SequenceModelName, provider: string, data: SequenceData): Runner {
  const m = new Model(tensorgradLayers(model), { seed: 1 });
  m.compile({ optimizer: new Adam({ learningRate: 0.001 }), loss: 'binaryCrossentropy' });
  const x =
    model === 'gru-embedding'
      ? new Tensor(data.ids, [data.rows, SEQUENCE_STEPS])
      : new Tensor(data.x, [data.rows, SEQUENCE_STEPS, SEQUENCE_FEATURES]);
  return {
    run: () => {
      withProvider(provider, () => m.fit(x, data.y, { epochs: 1, batchSize: SEQUENCE_BATCH, verbose: 0 }));
    },
  };
}

function tfjsRunner(tf: typeof TF, model: SequenceModelName, backend: TfBackend, data: SequenceData): Runner {
  const m = tfjsModel(tf, model, backend) as TF.Sequential;
  m.compile({ optimizer: tf.train.adam(0.001, 0.9, 0.999, 1e-7), loss: 'binaryCrossentropy' });
  const x =
    model === 'gru-embedding'
      ? tf.tensor2d(data.ids, [data.rows, SEQUENCE_STEPS])
      : tf.tensor3d(data.x, [data.rows, SEQUENCE_STEPS, SEQUENCE_FEATURES]);
  const y = tf.tensor2d(data.y, [data.rows, 1]);
  return {
    run: async () => {
      await m.fit(x, y, { epochs: 1, batchSize: SEQUENCE_BATCH, shuffle: true, verbose: 0 });
    },
    dispose: () => {
      tf.dispose([x, y]);
      m.dispose();
    },
  };
}

/** Trains every model on every provider; one row per (model, provider). */
export async function benchSequences(opts: SequenceBenchOptions): Promise<SequenceRow[]> {
  let tf: typeof TF | null = null;
  let threads = 1;
  let tfReason = '';
  try {
    const info = await loadTfjs();
    tf = info.tf;
    threads = info.wasm.threads;
  } catch (err) {
    tfReason = `tfjs did not load: ${(err as Error).message}`;
  }
  const out: SequenceRow[] = [];
  for (const model of opts.models) {
    const rows: SequenceRow[] = [];
    const runners = new Map<SequenceProvider, Runner>();
    const samples = new Map<SequenceProvider, number[]>();
    const perCall = (p: SequenceProvider) => (p === 'tfjs-cpu' ? opts.cpuRowsPerCall : opts.rowsPerCall);
    const active = opts.providers.filter((p) => {
      const backend = p === 'tfjs-wasm' ? 'wasm' : p === 'tfjs-cpu' ? 'cpu' : null;
      const why = backend === null ? null : tf === null ? tfReason : tfjsCannot(model, backend);
      if (why) {
        rows.push({
          model,
          provider: p,
          threads,
          samplesPerSec: null,
          rowsPerCall: perCall(p),
          stats: null,
          skipped: why,
        });
        return false;
      }
      return true;
    });
    try {
      for (let round = 0; round < opts.rounds; round++) {
        for (let k = 0; k < active.length; k++) {
          const p = active[(k + round) % active.length];
          if (p === 'tfjs-cpu' && round > 0) continue;
          if (p === 'tfjs-wasm' || p === 'tfjs-cpu')
            await useTfBackend(tf as typeof TF, p === 'tfjs-wasm' ? 'wasm' : 'cpu');
          else if (p !== 'js') setNativeThreads(threads);
          let runner = runners.get(p);
          if (!runner) {
            const data = sequenceData(perCall(p));
            runner = p.startsWith('tfjs')
              ? tfjsRunner(tf as typeof TF, model, p === 'tfjs-wasm' ? 'wasm' : 'cpu', data)
              : tensorgradRunner(model, p, data);
            runners.set(p, runner);
            await runner.run(); // warm-up: JIT, buffers, tfjs kernel set-up
          }
          const s = await runBenchmark(runner.run, {
            maxTime: opts.maxTime,
            minSamples: p === 'tfjs-cpu' ? 1 : opts.minSamples,
          });
          samples.set(p, [...(samples.get(p) ?? []), ...s]);
        }
      }
    } finally {
      for (const [p, r] of runners) {
        if (p.startsWith('tfjs')) await useTfBackend(tf as typeof TF, p === 'tfjs-wasm' ? 'wasm' : 'cpu');
        r.dispose?.();
      }
    }
    for (const p of active) {
      const s = samples.get(p) ?? [];
      const stats = sampleStats(s, p === 'tfjs-cpu' ? 1 : opts.rounds);
      rows.push({
        model,
        provider: p,
        threads: p === 'js' ? 1 : threads,
        samplesPerSec: perCall(p) / stats.median,
        rowsPerCall: perCall(p),
        stats,
      });
    }
    rows.sort((a, b) => opts.providers.indexOf(a.provider) - opts.providers.indexOf(b.provider));
    opts.log?.(
      `  ${model}: ${rows.map((r) => `${r.provider} ${r.samplesPerSec === null ? 'skip' : Math.round(r.samplesPerSec)}`).join(' | ')}`,
    );
    out.push(...rows);
  }
  return out;
}

const pad = (s: string, n: number) => s.padStart(n);

/** The table: samples/s per provider and the ratio to tfjs-wasm (or, where wasm cannot, tfjs-cpu). */
export function sequenceTable(rows: SequenceRow[]): string {
  const lines = [
    `${'model'.padEnd(15)}${'provider'.padEnd(11)}${pad('threads', 8)}${pad('samples/s', 12)}${pad('+-rme', 8)}${pad('x tfjs', 16)}`,
  ];
  for (const r of rows) {
    const wasm = rows.find((x) => x.model === r.model && x.provider === 'tfjs-wasm')?.samplesPerSec;
    const cpu = rows.find((x) => x.model === r.model && x.provider === 'tfjs-cpu')?.samplesPerSec;
    const base = wasm ?? cpu;
    const ratio =
      r.samplesPerSec !== null && base && !r.provider.startsWith('tfjs')
        ? `${(r.samplesPerSec / base).toFixed(1)}x ${wasm ? 'wasm' : 'cpu'}`
        : '-';
    const rate = r.samplesPerSec === null ? 'skip' : Math.round(r.samplesPerSec).toLocaleString('en-US');
    const rme = r.stats && Number.isFinite(r.stats.rme) ? `${r.stats.rme.toFixed(1)}%` : '-';
    lines.push(
      `${r.model.padEnd(15)}${r.provider.padEnd(11)}${pad(String(r.threads), 8)}${pad(rate, 12)}${pad(rme, 8)}${pad(ratio, 16)}` +
        (r.skipped ? `  (${r.skipped})` : ''),
    );
  }
  return lines.join('\n');
}
