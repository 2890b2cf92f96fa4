import { backward, noGrad } from '../autograd.js';
import { sigmoid } from '../kernels/js/activations.js';
import type { Dtype, FloatArray } from '../kernels/types.js';
import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { add, mul } from '../ops/arithmetic.js';
import { sum } from '../ops/reduce.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Generator } from '../random.js';
import { alloc, Tensor } from '../tensor.js';
import type { Callback, Logs } from './callbacks.js';
import { History } from './history.js';
import { asTensor, type Matrix, type MatrixLike, sliceRows, type TargetLike, toMatrix } from './inputs.js';
import { type Head, type LossName, type ResolvedLoss, resolveLoss } from './losses.js';
import { argmax, type MetricSpec, type ResolvedMetric, resolveMetric, safeMetric } from './metrics.js';
import { Progress, type ProgressStream, type Verbosity } from './progress.js';
import { summarize } from './summary.js';

export interface CompileOptions {
  optimizer: Optimizer;
  loss: LossName;
  metrics?: MetricSpec[];
  /** Decision threshold of the binary metrics. Default 0.5. */
  threshold?: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Rows scored after every epoch (val_loss, val_<metric>). */
  validationData?: [MatrixLike, TargetLike] | { x: MatrixLike; y: TargetLike };
  /** Share of rows held out for validation: the last rows, before any shuffling (as Keras). */
  validationSplit?: number;
  /** Reshuffle the training rows every epoch. Default true. */
  shuffle?: boolean;
  /** Weight of each class in the loss, e.g. { 0: 1, 1: 4 }. */
  classWeight?: Record<number, number>;
  callbacks?: Callback[];
  verbose?: Verbosity;
  /** Seeds the shuffles and dropout masks of this run (default: the model's generator). */
  seed?: number;
  /** Where progress goes. Default process.stdout. */
  stream?: ProgressStream;
}

export interface EvaluateOptions {
  batchSize?: number;
}

export interface ModelOptions {
  name?: string;
  seed?: number;
  dtype?: Dtype;
}

/**
 * A network with Keras's training API: compile, fit, evaluate, predict, summary. Wraps a
 * Sequential (or builds one from a list of layers).
 */
export class Model {
  readonly network: Sequential;
  /** Set by a callback (EarlyStopping) to end fit after the current epoch. */
  stopTraining = false;
  private compiled: {
    optimizer: Optimizer;
    loss: ResolvedLoss;
    metrics: ResolvedMetric[];
    threshold: number;
  } | null = null;

  constructor(layers: Module[] | Sequential, options: ModelOptions = {}) {
    this.network = layers instanceof Sequential ? layers : new Sequential(layers, options);
  }

  get layers(): Module[] {
    return this.network.layers;
  }

  get dtype(): Dtype {
    return this.network.dtype;
  }

  get inputDim(): number | null {
    return this.network.inputDim;
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  build(inputDim: number): this {
    this.network.build(inputDim);
    return this;
  }

  compile(options: CompileOptions): this {
    const { optimizer, loss, metrics = [], threshold = 0.5 } = options;
    if (!optimizer || typeof optimizer.step !== 'function') {
      throw new Error('compile: optimizer must be an Optimizer such as new Adam({ lr: 0.001 })');
    }
    if (!(threshold > 0 && threshold < 1))
      throw new Error(`compile: threshold must be in (0, 1), got ${threshold}`);
    const resolved = resolveLoss(loss, this.layers[this.layers.length - 1]);
    const names = new Set<string>();
    const ms = metrics.map((m) => {
      const r = resolveMetric(m, resolved.task);
      if (names.has(r.name) || r.name === 'loss')
        throw new Error(`compile: metric '${r.name}' is listed twice`);
      names.add(r.name);
      return r;
    });
    this.compiled = { optimizer, loss: resolved, metrics: ms, threshold };
    if (this.network.built) this.bindOptimizer(optimizer);
    return this;
  }

  /**
   * Hands the network's parameters to the optimizer unless it has exactly these already (handing
   * them over resets its state). The network may have been built by compile's caller, build,
   * predict, evaluate or fit, in any order: fit calls this, so it always trains.
   */
  private bindOptimizer(optimizer: Optimizer): void {
    const params = this.network.parameters();
    const bound = optimizer.parameters();
    if (bound.length !== params.length || bound.some((p, i) => p !== params[i]))
      optimizer.setParameters(params);
  }

  private requireCompiled(where: string) {
    if (!this.compiled) throw new Error(`${where}: call compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  /** Builds on first use and checks the feature count. */
  private prepare(where: string, x: Matrix): void {
    if (!this.network.built) {
      this.network.build(x.cols);
    } else if (x.cols !== this.network.inputDim) {
      throw new Error(`${where}: x has ${x.cols} features but the model expects ${this.network.inputDim}`);
    }
  }

  /** The network's output, or the logits the fused loss takes in place of the last layer. */
  private forwardHead(x: Tensor, head: Head): Tensor {
    const layers = this.layers;
    let h = x;
    for (let i = 0; i < layers.length - 1; i++) h = layers[i].forward(h);
    const last = layers[layers.length - 1];
    if (head === 'softmaxLogits') return h;
    if (head === 'sigmoidLogits') {
      if (last instanceof Dense) return last.forwardWith(h, 'linear');
      if (last instanceof ActivationLayer) return h;
    }
    return last.forward(h);
  }

  /** Converts what forwardHead gave into scores for the metrics, in place into `out`. */
  private scores(head: Head, task: string, input: FloatArray, out: FloatArray, offset: number): void {
    const toProb = head === 'sigmoidLogits' || (head === 'logits' && task === 'binary');
    for (let i = 0; i < input.length; i++) {
      const z = input[i];
      out[offset + i] = toProb ? sigmoid(z) : z;
    }
  }

  private l2Penalty(): Tensor | null {
    let total: Tensor | null = null;
    for (const layer of this.layers) {
      if (!(layer instanceof Dense) || layer.l2 === 0 || layer.kernel === null) continue;
      const term = mul(sum(mul(layer.kernel, layer.kernel)), layer.l2);
      total = total === null ? term : add(total, term);
    }
    return total;
  }

  private rowWeights(
    where: string,
    y: Matrix,
    classWeight: Record<number, number> | undefined,
  ): Matrix | null {
    if (!classWeight) return null;
    if (y.cols !== 1) throw new Error(`${where}: classWeight needs one target column, got ${y.cols}`);
    const w = alloc(this.dtype, y.rows);
    for (let i = 0; i < y.rows; i++) {
      const c = y.data[i];
      const v = classWeight[c];
      if (v === undefined) {
        throw new Error(
          `${where}: classWeight has no entry for class ${c} (row ${i}); it has ${Object.keys(classWeight).join(', ')}`,
        );
      }
      w[i] = v;
    }
    return { data: w, rows: y.rows, cols: 1 };
  }

  fit(x: MatrixLike, y: TargetLike, options: FitOptions = {}): History {
    const c = this.requireCompiled('fit');
    const { epochs = 1, batchSize = 32, shuffle = true, verbose = 1, callbacks = [] } = options;
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
    }
    let xm = toMatrix('fit', 'x', x, this.dtype);
    let ym = toMatrix('fit', 'y', y, this.dtype);
    if (xm.rows !== ym.rows) throw new Error(`fit: x has ${xm.rows} rows but y has ${ym.rows}`);
    this.prepare('fit', xm);
    this.bindOptimizer(c.optimizer);
    let val: [Matrix, Matrix] | null = null;
    if (options.validationData) {
      const vd = options.validationData;
      const [vx, vy] = Array.isArray(vd) ? vd : [vd.x, vd.y];
      val = [
        toMatrix('fit', 'validation x', vx, this.dtype),
        toMatrix('fit', 'validation y', vy, this.dtype),
      ];
      if (val[0].rows !== val[1].rows) {
        throw new Error(`fit: validation x has ${val[0].rows} rows but validation y has ${val[1].rows}`);
      }
    } else if (options.validationSplit !== undefined) {
      const s = options.validationSplit;
      if (!(s > 0 && s < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${s}`);
      const cut = Math.floor(xm.rows * (1 - s));
      if (cut === 0 || cut === xm.rows) {
        throw new Error(
          `fit: validationSplit ${s} of ${xm.rows} rows leaves no training or no validation rows`,
        );
      }
      val = [sliceRows(xm, cut, xm.rows), sliceRows(ym, cut, ym.rows)];
      xm = sliceRows(xm, 0, cut);
      ym = sliceRows(ym, 0, cut);
    }
    if (xm.rows === 0) throw new Error('fit: no training rows');
    const outDim = this.network.outputDim(xm.cols);
    if (ym.cols !== outDim) throw new Error(`fit: y has ${ym.cols} columns but the model outputs ${outDim}`);
    const wm = this.rowWeights('fit', ym, options.classWeight);

    const gen = options.seed !== undefined ? new Generator(options.seed) : this.network.generator;
    const shuffler = gen.fork();
    if (options.seed !== undefined)
      for (const l of this.layers) if (l instanceof Dropout) l.generator = gen.fork();

    const { optimizer, loss, metrics, threshold } = c;
    const n = xm.rows;
    const steps = Math.ceil(n / batchSize);
    const F = xm.cols;
    const xb = alloc(this.dtype, batchSize * F);
    const yb = alloc(this.dtype, batchSize * outDim);
    const wb = wm ? alloc(this.dtype, batchSize) : null;
    const epochTrue = alloc(this.dtype, n * outDim);
    const epochScore = alloc(this.dtype, n * outDim);
    const order = new Int32Array(n);
    const batchHooks = callbacks.filter((cb) => cb.onBatchBegin || cb.onBatchEnd);
    const progress = new Progress(verbose, options.stream ?? process.stdout, epochs);
    const history = new History();
    const binary = loss.task === 'binary';
    const categorical = loss.task === 'categorical';

    this.stopTraining = false;
    for (const cb of callbacks) cb.setModel?.(this);
    for (const cb of callbacks) cb.onTrainBegin?.({});
    this.network.train();
    try {
      for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
        for (const cb of callbacks) cb.onEpochBegin?.(epoch, {});
        for (let i = 0; i < n; i++) order[i] = i;
        if (shuffle) shuffler.shuffle(order);
        progress.epochBegin(epoch, steps);
        const t0 = performance.now();
        let lossSum = 0;
        let hits = 0;
        let seen = 0;
        const running = (): Logs => {
          const logs: Logs = { loss: lossSum / seen };
          if (binary || categorical) logs.accuracy = hits / seen;
          return logs;
        };
        for (let step = 0; step < steps; step++) {
          const start = step * batchSize;
          const rows = Math.min(batchSize, n - start);
          for (const cb of batchHooks) cb.onBatchBegin?.(step, { size: rows });
          for (let r = 0; r < rows; r++) {
            const src = order[start + r];
            xb.set(xm.data.subarray(src * F, src * F + F), r * F);
            for (let j = 0; j < outDim; j++) yb[r * outDim + j] = ym.data[src * outDim + j];
            if (wb && wm) wb[r] = wm.data[src];
          }
          const xt = new Tensor(xb.subarray(0, rows * F), [rows, F]);
          const yt = new Tensor(yb.subarray(0, rows * outDim), [rows, outDim]);
          const wt = wb ? new Tensor(wb.subarray(0, rows), [rows, 1]) : undefined;
          const head = this.forwardHead(xt, loss.head);
          let total = loss.compute(head, yt, wt);
          const penalty = this.l2Penalty();
          if (penalty) total = add(total, penalty);
          const value = total.data[0];
          if (!Number.isFinite(value)) {
            throw new Error(
              `fit: the loss became ${value} at epoch ${epoch + 1}/${epochs}, batch ${step + 1}/${steps}; the weights are left as they were before this batch. Lower the learning rate or check the inputs and targets`,
            );
          }
          backward(total);
          optimizer.step();
          optimizer.zeroGrad();

          const off = start * outDim;
          epochTrue.set(yt.data, off);
          this.scores(loss.head, loss.task, head.data, epochScore, off);
          lossSum += value * rows;
          seen += rows;
          if (binary) {
            for (let r = 0; r < rows; r++)
              hits += (epochScore[off + r] >= threshold ? 1 : 0) === yt.data[r] ? 1 : 0;
          } else if (categorical) {
            for (let r = 0; r < rows; r++) {
              hits += argmax(yt.data, r * outDim, outDim) === argmax(head.data, r * outDim, outDim) ? 1 : 0;
            }
          }
          progress.batchEnd(step + 1, steps, running);
          if (batchHooks.length > 0) {
            const logs = { ...running(), size: rows };
            for (const cb of batchHooks) cb.onBatchEnd?.(step, logs);
          }
        }
        const logs: Logs = { loss: lossSum / seen };
        for (const m of metrics) logs[m.name] = safeMetric(m, epochTrue, epochScore, outDim, threshold);
        if (val) {
          const v = this.evaluateMatrices(val[0], val[1], 256);
          for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
          this.network.train();
        }
        progress.epochEnd(epoch, steps, (performance.now() - t0) / 1000, logs);
        history.record(epoch, logs);
        for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs);
      }
    } finally {
      progress.close();
      this.network.eval();
    }
    const last = history.epoch.length > 0 ? lastLogs(history) : {};
    for (const cb of callbacks) cb.onTrainEnd?.(last);
    return history;
  }

  /** Loss and metrics on the given rows, in evaluation mode (dropout off). */
  evaluate(x: MatrixLike, y: TargetLike, options: EvaluateOptions = {}): Logs {
    this.requireCompiled('evaluate');
    const xm = toMatrix('evaluate', 'x', x, this.dtype);
    const ym = toMatrix('evaluate', 'y', y, this.dtype);
    if (xm.rows !== ym.rows) throw new Error(`evaluate: x has ${xm.rows} rows but y has ${ym.rows}`);
    this.prepare('evaluate', xm);
    return this.evaluateMatrices(xm, ym, options.batchSize ?? 256);
  }

  private evaluateMatrices(xm: Matrix, ym: Matrix, batchSize: number): Logs {
    const { loss, metrics, threshold } = this.requireCompiled('evaluate');
    if (xm.cols !== this.network.inputDim) {
      throw new Error(`evaluate: x has ${xm.cols} features but the model expects ${this.network.inputDim}`);
    }
    const outDim = this.network.outputDim(xm.cols);
    if (ym.cols !== outDim)
      throw new Error(`evaluate: y has ${ym.cols} columns but the model outputs ${outDim}`);
    if (xm.rows === 0) throw new Error('evaluate: no rows');
    const scores = alloc(this.dtype, xm.rows * outDim);
    let lossSum = 0;
    this.network.eval();
    noGrad(() => {
      for (let start = 0; start < xm.rows; start += batchSize) {
        const end = Math.min(start + batchSize, xm.rows);
        const head = this.forwardHead(asTensor(sliceRows(xm, start, end)), loss.head);
        lossSum += loss.compute(head, asTensor(sliceRows(ym, start, end))).data[0] * (end - start);
        this.scores(loss.head, loss.task, head.data, scores, start * outDim);
      }
    });
    const penalty = noGrad(() => this.l2Penalty());
    const logs: Logs = { loss: lossSum / xm.rows + (penalty ? penalty.data[0] : 0) };
    for (const m of metrics) logs[m.name] = safeMetric(m, ym.data, scores, outDim, threshold);
    return logs;
  }

  /** The network's outputs for every row, in batches, in evaluation mode. */
  predict(x: MatrixLike, options: EvaluateOptions = {}): Tensor {
    const xm = toMatrix('predict', 'x', x, this.dtype);
    const batchSize = options.batchSize ?? 256;
    if (!this.network.built) this.network.build(xm.cols);
    if (xm.cols !== this.network.inputDim) {
      throw new Error(`predict: x has ${xm.cols} features but the model expects ${this.network.inputDim}`);
    }
    const outDim = this.network.outputDim(xm.cols);
    const out = alloc(this.dtype, xm.rows * outDim);
    this.network.eval();
    noGrad(() => {
      for (let start = 0; start < xm.rows; start += batchSize) {
        const end = Math.min(start + batchSize, xm.rows);
        out.set(this.network.forward(asTensor(sliceRows(xm, start, end))).data, start * outDim);
      }
    });
    return new Tensor(out, [xm.rows, outDim]);
  }

  /** Copies of every parameter's values, in namedParameters order. */
  getWeights(): FloatArray[] {
    return this.network.parameters().map((p) => p.data.slice());
  }

  setWeights(weights: ArrayLike<number>[]): void {
    const params = this.network.namedParameters();
    if (weights.length !== params.length) {
      throw new Error(`setWeights: the model has ${params.length} weight arrays, got ${weights.length}`);
    }
    params.forEach(([name, p], i) => {
      if (weights[i].length !== p.size) {
        throw new Error(`setWeights: ${name} has ${p.size} values, got ${weights[i].length}`);
      }
      p.data.set(weights[i]);
    });
  }

  summary(): string {
    return summarize(this.network);
  }
}

function lastLogs(h: History): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(h.history)) out[k] = v[v.length - 1];
  return out;
}
