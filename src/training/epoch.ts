import { sigmoid } from '../kernels/js/activations.js';
import { gatherRows } from '../kernels/registry.js';
import type { Dtype, FloatArray } from '../kernels/types.js';
import { alloc, Tensor } from '../tensor.js';
import type { Logs } from './callbacks.js';
import type { Matrix } from './inputs.js';
import type { Head, ResolvedLoss } from './losses.js';
import { argmax, type ResolvedMetric, safeMetric, type Task } from './metrics.js';

/** The pieces of one epoch of Model.fit: batch gathering and the epoch's running and final metrics. */

/**
 * What the model's head gave, as scores for the metrics, into out at offset: probabilities where
 * the head is a logit (a sigmoid of each value for a binary task, a softmax of each row of `width`
 * values for a categorical one), the values themselves otherwise.
 */
export function writeScores(
  head: Head,
  task: Task,
  input: FloatArray,
  out: FloatArray,
  offset: number,
  width: number,
): void {
  const logits = head === 'sigmoidLogits' || head === 'softmaxLogits' || head === 'logits';
  if (logits && (task === 'categorical' || task === 'sparseCategorical')) {
    for (let r = 0; r < input.length; r += width) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < width; j++) max = Math.max(max, input[r + j]);
      let sum = 0;
      for (let j = 0; j < width; j++) sum += Math.exp(input[r + j] - max);
      for (let j = 0; j < width; j++) out[offset + r + j] = Math.exp(input[r + j] - max) / sum;
    }
    return;
  }
  const toProb = head === 'sigmoidLogits' || (head === 'logits' && task === 'binary');
  for (let i = 0; i < input.length; i++) out[offset + i] = toProb ? sigmoid(input[i]) : input[i];
}

export interface Batch {
  x: Tensor;
  y: Tensor;
  /** Each row's weight in the loss (class and sample weights), when there are any. */
  weight?: Tensor;
}

/** Copies the rows of a batch, in a given order, into buffers allocated once for the whole fit. */
export class BatchGatherer {
  private readonly xb: FloatArray;
  private readonly yb: FloatArray;
  private readonly wb: FloatArray | null;

  constructor(
    private readonly x: Matrix,
    private readonly y: Matrix,
    private readonly weights: Matrix | null,
    batchSize: number,
    dtype: Dtype,
  ) {
    this.xb = alloc(dtype, batchSize * x.cols);
    this.yb = alloc(dtype, batchSize * y.cols);
    this.wb = weights ? alloc(dtype, batchSize) : null;
  }

  /** Rows order[start .. start + rows) as tensors over the buffers (valid until the next call). */
  gather(order: Int32Array, start: number, rows: number): Batch {
    const { x, y, weights, xb, yb, wb } = this;
    const F = x.cols;
    const outDim = y.cols;
    // One kernel call: no view object per row (a JavaScript loop of subarray + set took 300 us of
    // the wide model's step for 256 rows of 1 KB, this call about 140).
    gatherRows(rows, F, x.rows, x.data, order.subarray(start, start + rows), xb);
    for (let r = 0; r < rows; r++) {
      const src = order[start + r];
      for (let j = 0; j < outDim; j++) yb[r * outDim + j] = y.data[src * outDim + j];
      if (wb && weights) wb[r] = weights.data[src];
    }
    return {
      x: new Tensor(xb.subarray(0, rows * F), [rows, ...x.example]),
      y: new Tensor(yb.subarray(0, rows * outDim), [rows, outDim]),
      weight: wb ? new Tensor(wb.subarray(0, rows), [rows, 1]) : undefined,
    };
  }
}

/**
 * The epoch's loss and accuracy as batches come in (for the progress line and batch callbacks),
 * and, at its end, the loss and the compiled metrics over every row the epoch saw.
 */
export class EpochTally {
  private readonly yTrue: FloatArray;
  private readonly yScore: FloatArray;
  private lossSum = 0;
  private hits = 0;
  private seen = 0;

  /** `yCols` is the target's width (1 for class indices), `outDim` the model's. */
  constructor(
    rows: number,
    private readonly yCols: number,
    private readonly outDim: number,
    dtype: Dtype,
    private readonly loss: ResolvedLoss,
    private readonly threshold: number,
  ) {
    this.yTrue = alloc(dtype, rows * yCols);
    this.yScore = alloc(dtype, rows * outDim);
  }

  reset(): void {
    this.lossSum = 0;
    this.hits = 0;
    this.seen = 0;
  }

  /** One trained batch that started at row `start` of the epoch, with its mean loss and head output. */
  add(start: number, y: Tensor, head: Tensor, loss: number): void {
    const { outDim, yCols, yTrue, yScore, threshold } = this;
    const rows = y.shape[0];
    const off = start * outDim;
    yTrue.set(y.data, start * yCols);
    writeScores(this.loss.head, this.loss.task, head.data, yScore, off, outDim);
    this.lossSum += loss * rows;
    this.seen += rows;
    const task = this.loss.task;
    if (task === 'binary') {
      for (let r = 0; r < rows; r++)
        this.hits += (yScore[off + r] >= threshold ? 1 : 0) === y.data[r] ? 1 : 0;
    } else if (task === 'categorical') {
      for (let r = 0; r < rows; r++) {
        this.hits += argmax(y.data, r * outDim, outDim) === argmax(head.data, r * outDim, outDim) ? 1 : 0;
      }
    } else if (task === 'sparseCategorical') {
      for (let r = 0; r < rows; r++) this.hits += argmax(head.data, r * outDim, outDim) === y.data[r] ? 1 : 0;
    }
  }

  /** Mean loss so far, and accuracy for classification. */
  running(): Logs {
    const logs: Logs = { loss: this.lossSum / this.seen };
    if (this.loss.task !== 'regression') logs.accuracy = this.hits / this.seen;
    return logs;
  }

  /** The epoch's logs: mean loss and every compiled metric over the epoch's rows. */
  final(metrics: readonly ResolvedMetric[]): Logs {
    const logs: Logs = { loss: this.lossSum / this.seen };
    for (const m of metrics)
      logs[m.name] = safeMetric(m, this.yTrue, this.yScore, this.outDim, this.threshold);
    return logs;
  }
}
