// int8 inference of the wide model (256 -> 1024 -> 1024 -> 1, batch 256 and a small one): float32 native predict
// against the same model quantized (tensorgrad quantize's path), at 1 and 2 native threads. The two
// are timed in alternating short batches (pairedRatio), so the ratio holds on a busy machine.
import { getNativeThreads, loadNativeAddon, setNativeThreads } from '../../src/kernels/index.js';
import { withProvider } from '../../src/kernels/registry.js';
import { quantizeModel } from '../../src/training/quantize.js';
import { pairedRatio } from './paired.js';
import { MODELS } from './shapes.js';
import { makeData, tensorgradModel } from './training-bench.js';

export interface Int8Row {
  threads: number;
  batch: number;
  /** Samples per second of model.predict on one batch, medians over the pairs. */
  float32SamplesPerSec: number;
  int8SamplesPerSec: number;
  /** Median over pairs of time(float32) / time(int8): the int8 speed-up. */
  speedup: number;
  pairs: number;
  /** The int8 kernels that ran: avx512vnni, avx2 or scalar. */
  int8Isa: string;
  /** Largest |int8 - float32| probability over the batch (an untrained model: a sanity check). */
  maxAbsDiff: number;
}

export interface Int8BenchOptions {
  threads: number[];
  /**
   * Batch sizes predicted, the wide model's own (256) first: smaller ones are what a service
   * answering requests sees, where the weights' reuse across rows is short.
   */
  batches: number[];
  pairs: number;
  batchSec: number;
  /** Rows and epochs of the short training before quantization (calibration uses the same rows). */
  trainRows: number;
  epochs: number;
  log: (line: string) => void;
}

export function benchInt8(o: Int8BenchOptions): Int8Row[] {
  const addon = loadNativeAddon();
  const { widths, batch: trainBatch } = MODELS.wide;
  const features = widths[0];
  // A few quick epochs so the weights and activations are not those of a fresh initialization.
  const train = makeData(features, o.trainRows, 7);
  const model = tensorgradModel('wide', 7);
  withProvider('native', () =>
    model.fit({ data: train.x, shape: [train.rows, features] }, train.y, {
      epochs: o.epochs,
      batchSize: trainBatch,
      verbose: 0,
      seed: 7,
    }),
  );
  const { model: int8 } = quantizeModel(model, { data: train.x, shape: [train.rows, features] });
  const saved = getNativeThreads();
  const rows: Int8Row[] = [];
  try {
    for (const [threads, batch] of o.threads.flatMap((t) => o.batches.map((b) => [t, b]))) {
      setNativeThreads(threads);
      const x = { data: makeData(features, batch, 8).x, shape: [batch, features] };
      const f = () => model.predict(x, { batchSize: batch });
      const q = () => int8.predict(x, { batchSize: batch });
      const r = withProvider('native', () => {
        const pf = f().data;
        const pq = q().data;
        let diff = 0;
        for (let i = 0; i < pf.length; i++) diff = Math.max(diff, Math.abs(pf[i] - pq[i]));
        return { paired: pairedRatio(f, q, { pairs: o.pairs, batchSec: o.batchSec }), diff };
      });
      // pairedRatio's first function is 'auto' in its own words: here float32, the second int8.
      const row: Int8Row = {
        threads,
        batch,
        float32SamplesPerSec: batch / r.paired.autoSec,
        int8SamplesPerSec: batch / r.paired.bestSec,
        speedup: r.paired.ratio,
        pairs: r.paired.pairs,
        int8Isa: addon.int8Isa(),
        maxAbsDiff: r.diff,
      };
      rows.push(row);
      o.log(
        `  wide predict, batch ${batch}, ${threads} thread${threads === 1 ? '' : 's'}: float32 ${Math.round(row.float32SamplesPerSec)} samples/s, int8 (${row.int8Isa}) ${Math.round(row.int8SamplesPerSec)} samples/s, int8/float32 ${row.speedup.toFixed(2)}x (median of ${row.pairs} pairs)`,
      );
    }
  } finally {
    setNativeThreads(saved);
  }
  return rows;
}

export function int8Table(rows: Int8Row[]): string {
  const lines = [
    'int8 inference, wide model 256 -> 1024 -> 1024 -> 1, model.predict of one batch (native provider; the goal: batch 256)',
    `${'threads'.padEnd(8)}${'batch'.padStart(6)}${'float32 samples/s'.padStart(19)}${'int8 samples/s'.padStart(16)}${'int8/float32'.padStart(14)}  int8 kernels`,
  ];
  for (const r of rows) {
    lines.push(
      `${String(r.threads).padEnd(8)}${String(r.batch).padStart(6)}${Math.round(r.float32SamplesPerSec).toString().padStart(19)}${Math.round(r.int8SamplesPerSec).toString().padStart(16)}${`${r.speedup.toFixed(2)}x`.padStart(14)}  ${r.int8Isa}`,
    );
  }
  return lines.join('\n');
}
