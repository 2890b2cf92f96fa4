import { backward, intermediateArrays, noGrad } from '../autograd.js';
import { recycle } from '../buffer-pool.js';
import type { SaveOptions } from '../io/save.js';
import type { Dtype, FloatArray } from '../kernels/types.js';
import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { describeShape, Sequential } from '../nn/sequential.js';
import { Softmax } from '../nn/softmax.js';
import { add, mul } from '../ops/arithmetic.js';
import { sum } from '../ops/reduce.js';
import { type OptimizerName, optimizerFromName } from '../optim/by-name.js';
import { Optimizer } from '../optim/optimizer.js';
import { checkOptions, knownOptions } from '../options.js';
import { Generator } from '../random.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import type { Callback, Logs } from './callbacks.js';
import { type Batch, BatchGatherer, EpochTally, writeScores } from './epoch.js';
import { History } from './history.js';
import {
  type Matrix,
  type MatrixLike,
  matrixTensor,
  sliceRows,
  type TargetLike,
  toMatrix,
} from './inputs.js';
import { type Head, type LossName, type ResolvedLoss, resolveLoss } from './losses.js';
import { argmax, type MetricSpec, type ResolvedMetric, resolveMetric, safeMetric } from './metrics.js';
import { Progress, type ProgressStream, type Verbosity } from './progress.js';
import { summaryTable } from './summary.js';

export interface CompileOptions {
  /** An Optimizer, or a name with Keras's defaults: 'adam', 'sgd', 'rmsprop', 'adamw'. */
  optimizer: Optimizer | OptimizerName;
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
  /** Weight of each class in the loss, e.g. { 0: 1, 1: 4 } (one-hot rows: the class of their largest entry). */
  classWeight?: Record<number, number>;
  /** Weight of each training row in the loss (multiplied by its class weight, as Keras does). */
  sampleWeight?: ArrayLike<number> | Tensor;
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

const COMPILE_OPTIONS = knownOptions<CompileOptions>({
  optimizer: true,
  loss: true,
  metrics: true,
  threshold: true,
});
const FIT_OPTIONS = knownOptions<FitOptions>({
  epochs: true,
  batchSize: true,
  validationData: true,
  validationSplit: true,
  shuffle: true,
  classWeight: true,
  sampleWeight: true,
  callbacks: true,
  verbose: true,
  seed: true,
  stream: true,
});
const EVALUATE_OPTIONS = knownOptions<EvaluateOptions>({ batchSize: true });
const MODEL_OPTIONS = knownOptions<ModelOptions>({ name: true, seed: true, dtype: true });

/** fit's rows, checked: training x and y, their row weights, and the validation rows. */
interface TrainingData {
  x: Matrix;
  y: Matrix;
  weights: Matrix | null;
  validation: [Matrix, Matrix] | null;
}

/** Everything one fit's epochs share. */
interface EpochRun {
  optimizer: Optimizer;
  loss: ResolvedLoss;
  metrics: ResolvedMetric[];
  threshold: number;
  data: TrainingData;
  epochs: number;
  batchSize: number;
  steps: number;
  shuffle: boolean;
  shuffler: Generator;
  /** This epoch's order of the rows. */
  order: Int32Array;
  batches: BatchGatherer;
  tally: EpochTally;
  callbacks: Callback[];
  /** The callbacks with batch hooks (most have none, and the batch loop skips the logs for them). */
  batchHooks: Callback[];
  progress: Progress;
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
    checkOptions('Model', options, MODEL_OPTIONS);
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

  /** The shape of one example once built: [features], [steps, features] or [steps] (token ids). */
  get inputShape(): number[] | null {
    return this.network.inputShape;
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Builds for a number of features, or for the shape of one example ([steps, features], [steps]). */
  build(input: number | readonly number[]): this {
    if (typeof input === 'number') this.network.build(input);
    else this.network.buildShape(input);
    return this;
  }

  compile(options: CompileOptions): this {
    if (options === undefined) throw new Error('compile: pass { optimizer, loss }');
    const {
      optimizer,
      loss,
      metrics = [],
      threshold = 0.5,
    } = checkOptions('compile', options, COMPILE_OPTIONS);
    const resolvedOptimizer =
      typeof optimizer === 'string' ? optimizerFromName('compile', optimizer) : optimizer;
    if (!(resolvedOptimizer instanceof Optimizer)) {
      throw new Error(
        `compile: optimizer must be 'adam', 'sgd', 'rmsprop', 'adamw' or an Optimizer such as new Adam({ learningRate: 0.001 }), got ${typeof optimizer === 'object' ? 'an object that is not an Optimizer' : String(optimizer)}`,
      );
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
    this.compiled = { optimizer: resolvedOptimizer, loss: resolved, metrics: ms, threshold };
    if (this.network.built) this.bindOptimizer(resolvedOptimizer);
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

  /** Builds on first use and checks the shape of the examples. */
  private prepare(where: string, x: Matrix): void {
    if (!this.network.built) this.network.buildShape(x.example);
    else this.checkExamples(where, x);
  }

  private checkExamples(where: string, x: Matrix): void {
    const want = this.network.inputShape ?? [this.network.inputDim ?? 0];
    if (x.example.length === want.length && x.example.every((d, i) => d === want[i])) return;
    if (want.length === 1 && x.example.length === 1) {
      throw new Error(`${where}: x has ${x.cols} features but the model expects ${want[0]}`);
    }
    throw new Error(
      `${where}: x has examples of shape ${describeShape(x.example)} but the model expects ${describeShape(want)}`,
    );
  }

  /** The width of the network's output per example; the network must give one vector per example. */
  private outputWidth(where: string, example: readonly number[]): number {
    const shape = this.network.outputShape(example);
    if (shape.length !== 1) {
      throw new Error(
        `${where}: the network gives an output of shape ${formatShape(shape)} per example, not one vector; end a sequence model with a layer that summarizes the steps (a recurrent layer without returnSequences, or global pooling)`,
      );
    }
    return shape[0];
  }

  /** The network's output, or the logits the fused loss takes in place of the last layer. */
  private forwardHead(x: Tensor, head: Head): Tensor {
    const layers = this.layers;
    const h = this.network.forwardLayers(x, null, 0, layers.length - 1).output;
    const last = layers[layers.length - 1];
    if (head === 'softmaxLogits' || head === 'sigmoidLogits') {
      if (last instanceof Dense) return last.forwardWith(h, 'linear');
      if (last instanceof ActivationLayer || last instanceof Softmax) return h;
    }
    return last.forward(h);
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

  /**
   * Each training row's weight in the loss: its class weight (the class is the target itself for a
   * one-column target, the largest entry of a one-hot row) times its sample weight; null when
   * neither is given.
   */
  private rowWeights(
    y: Matrix,
    classWeight: Record<number, number> | undefined,
    sampleWeight: Matrix | null,
  ): Matrix | null {
    if (!classWeight && !sampleWeight) return null;
    const w = alloc(this.dtype, y.rows);
    for (let i = 0; i < y.rows; i++) {
      let v = sampleWeight ? sampleWeight.data[i] : 1;
      if (classWeight) {
        const c = y.cols === 1 ? y.data[i] : argmax(y.data, i * y.cols, y.cols);
        const cw = classWeight[c];
        if (cw === undefined) {
          throw new Error(
            `fit: classWeight has no entry for class ${c} (row ${i}); it has ${Object.keys(classWeight).join(', ')}`,
          );
        }
        if (!(cw >= 0) || !Number.isFinite(cw))
          throw new Error(`fit: classWeight[${c}] must be a finite number >= 0, got ${cw}`);
        v *= cw;
      }
      w[i] = v;
    }
    return { data: w, rows: y.rows, cols: 1, example: [1] };
  }

  /** The sample weights, one finite non-negative number per row of x. */
  private sampleWeights(value: ArrayLike<number> | Tensor | undefined, rows: number): Matrix | null {
    if (value === undefined) return null;
    const m = toMatrix('fit', 'sampleWeight', value as TargetLike, this.dtype);
    if (m.cols !== 1 || m.rows !== rows) {
      throw new Error(
        `fit: sampleWeight must hold one weight per row of x (${rows}), got ${m.rows} x ${m.cols} values`,
      );
    }
    const bad = m.data.findIndex((v) => v < 0);
    if (bad !== -1) throw new Error(`fit: sampleWeight[${bad}] is ${m.data[bad]}; weights must be >= 0`);
    return m;
  }

  /**
   * The targets checked against the loss and the model's output width: one column of class
   * indices in 0..classes-1 for a sparse loss, as many columns as the model outputs otherwise.
   */
  private checkTargets(where: string, what: string, y: Matrix, outDim: number): void {
    const { loss } = this.requireCompiled(where);
    if (loss.task === 'sparseCategorical') {
      if (y.cols !== 1) {
        throw new Error(
          `${where}: ${what} has ${y.cols} columns; '${loss.name}' takes one class index per row ([rows] or [rows, 1]); for one-hot targets use 'categoricalCrossentropy'`,
        );
      }
      for (let i = 0; i < y.rows; i++) {
        const c = y.data[i];
        if (!Number.isInteger(c) || c < 0 || c >= outDim) {
          throw new Error(
            `${where}: ${what}[${i}] is ${c}; '${loss.name}' needs class indices 0..${outDim - 1} (the model outputs ${outDim} classes)`,
          );
        }
      }
      return;
    }
    if (y.cols === outDim) return;
    if (loss.task === 'categorical' && y.cols === 1) {
      throw new Error(
        `${where}: ${what} has 1 column but the model outputs ${outDim} classes; pass one-hot rows, or class indices with loss 'sparseCategoricalCrossentropy'`,
      );
    }
    throw new Error(`${where}: ${what} has ${y.cols} columns but the model outputs ${outDim}`);
  }

  fit(x: MatrixLike, y: TargetLike, options: FitOptions = {}): History {
    const compiled = this.requireCompiled('fit');
    checkOptions('fit', options, FIT_OPTIONS);
    const { epochs = 1, batchSize = 32, shuffle = true, verbose = 1, callbacks = [] } = options;
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
    }
    const data = this.trainingData(x, y, options);
    this.bindOptimizer(compiled.optimizer);
    const rows = data.x.rows;
    const run: EpochRun = {
      ...compiled,
      data,
      epochs,
      batchSize,
      steps: Math.ceil(rows / batchSize),
      shuffle,
      shuffler: this.seedRun(options.seed),
      order: new Int32Array(rows),
      batches: new BatchGatherer(data.x, data.y, data.weights, batchSize, this.dtype),
      tally: new EpochTally(
        rows,
        data.y.cols,
        this.network.outputDim(data.x.cols),
        this.dtype,
        compiled.loss,
        compiled.threshold,
      ),
      callbacks,
      batchHooks: callbacks.filter((cb) => cb.onBatchBegin || cb.onBatchEnd),
      progress: new Progress(verbose, options.stream ?? defaultStream(), epochs),
    };
    const history = new History();
    this.stopTraining = false;
    for (const cb of callbacks) cb.setModel?.(this);
    for (const cb of callbacks) cb.onTrainBegin?.({});
    this.network.train();
    try {
      for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
        const logs = this.fitEpoch(run, epoch);
        // As Keras's History, recorded after the callbacks (ReduceLROnPlateau adds learning_rate).
        for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs);
        history.record(epoch, logs);
      }
    } finally {
      run.progress.close();
      this.network.eval();
    }
    const last = history.epoch.length > 0 ? lastLogs(history) : {};
    for (const cb of callbacks) cb.onTrainEnd?.(last);
    return history;
  }

  /**
   * fit's rows: x and y checked against each other and the model (which is built here if it is not
   * yet), the validation rows (given, or the last share of the rows), and the class weights.
   */
  private trainingData(x: MatrixLike, y: TargetLike, options: FitOptions): TrainingData {
    let xm = toMatrix('fit', 'x', x, this.dtype);
    let ym = toMatrix('fit', 'y', y, this.dtype);
    if (xm.rows !== ym.rows) throw new Error(`fit: x has ${xm.rows} rows but y has ${ym.rows}`);
    let sw = this.sampleWeights(options.sampleWeight, xm.rows);
    this.prepare('fit', xm);
    let validation: [Matrix, Matrix] | null = null;
    if (options.validationData) {
      const vd = options.validationData;
      const [vx, vy] = Array.isArray(vd) ? vd : [vd.x, vd.y];
      validation = [
        toMatrix('fit', 'validation x', vx, this.dtype),
        toMatrix('fit', 'validation y', vy, this.dtype),
      ];
      if (validation[0].rows !== validation[1].rows) {
        throw new Error(
          `fit: validation x has ${validation[0].rows} rows but validation y has ${validation[1].rows}`,
        );
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
      validation = [sliceRows(xm, cut, xm.rows), sliceRows(ym, cut, ym.rows)];
      xm = sliceRows(xm, 0, cut);
      ym = sliceRows(ym, 0, cut);
      if (sw) sw = sliceRows(sw, 0, cut);
    }
    if (xm.rows === 0) throw new Error('fit: no training rows');
    const outDim = this.outputWidth('fit', xm.example);
    this.checkTargets('fit', 'y', ym, outDim);
    if (validation) this.checkTargets('fit', 'validation y', validation[1], outDim);
    return { x: xm, y: ym, weights: this.rowWeights(ym, options.classWeight, sw), validation };
  }

  /**
   * The generator of this run's shuffles: a fit with a seed also reseeds the dropout masks, so the
   * run repeats exactly; without one, both continue from the model's generator.
   */
  private seedRun(seed: number | undefined): Generator {
    const gen = seed !== undefined ? new Generator(seed) : this.network.generator;
    const shuffler = gen.fork();
    if (seed !== undefined) for (const l of this.layers) if (l instanceof Dropout) l.generator = gen.fork();
    return shuffler;
  }

  /** One epoch: every batch in a fresh order, then the epoch's metrics and validation scores. */
  private fitEpoch(run: EpochRun, epoch: number): Logs {
    const { data, batchSize, steps, order, tally, progress, batchHooks } = run;
    for (const cb of run.callbacks) cb.onEpochBegin?.(epoch, {});
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (run.shuffle) run.shuffler.shuffle(order);
    progress.epochBegin(epoch, steps);
    const t0 = performance.now();
    tally.reset();
    const running = () => tally.running();
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const rows = Math.min(batchSize, order.length - start);
      for (const cb of batchHooks) cb.onBatchBegin?.(step, { size: rows });
      const batch = run.batches.gather(order, start, rows);
      const { loss, head, temporaries } = this.trainStep(
        run,
        batch,
        () => `epoch ${epoch + 1}/${run.epochs}, batch ${step + 1}/${steps}`,
      );
      tally.add(start, batch.y, head, loss);
      // The step's activations are fit's own and the tally has copied what it needs: their arrays
      // go back to the pool for the next step's outputs (no fresh memory per step).
      for (const a of temporaries) recycle(a);
      progress.batchEnd(step + 1, steps, running);
      if (batchHooks.length > 0) {
        const logs = { ...running(), size: rows };
        for (const cb of batchHooks) cb.onBatchEnd?.(step, logs);
      }
    }
    const logs = tally.final(run.metrics);
    if (data.validation) {
      const v = this.evaluateMatrices(data.validation[0], data.validation[1], 256);
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      this.network.train();
    }
    progress.epochEnd(epoch, steps, (performance.now() - t0) / 1000, logs);
    return logs;
  }

  /**
   * One optimization step on a batch: forward, loss (plus the L2 penalty), backward, update. A loss
   * that is not finite stops fit before the update, naming `where` it happened.
   */
  private trainStep(
    run: EpochRun,
    batch: Batch,
    where: () => string,
  ): { loss: number; head: Tensor; temporaries: FloatArray[] } {
    const head = this.forwardHead(batch.x, run.loss.head);
    let total = run.loss.compute(head, batch.y, batch.weight);
    const penalty = this.l2Penalty();
    if (penalty) total = add(total, penalty);
    const loss = total.data[0];
    if (!Number.isFinite(loss)) {
      throw new Error(
        `fit: the loss became ${loss} at ${where()}; the weights are left as they were before this batch. Lower the learning rate or check the inputs and targets`,
      );
    }
    const temporaries = intermediateArrays(total);
    backward(total);
    run.optimizer.step();
    // The gradients are fit's own: their arrays go back to the pool for the next backward.
    run.optimizer.releaseGrads();
    return { loss, head, temporaries };
  }

  /** Loss and metrics on the given rows, in evaluation mode (dropout off). */
  evaluate(x: MatrixLike, y: TargetLike, options: EvaluateOptions = {}): Logs {
    this.requireCompiled('evaluate');
    checkOptions('evaluate', options, EVALUATE_OPTIONS);
    const xm = toMatrix('evaluate', 'x', x, this.dtype);
    const ym = toMatrix('evaluate', 'y', y, this.dtype);
    if (xm.rows !== ym.rows) throw new Error(`evaluate: x has ${xm.rows} rows but y has ${ym.rows}`);
    this.prepare('evaluate', xm);
    return this.evaluateMatrices(xm, ym, batchSizeOf('evaluate', options));
  }

  private evaluateMatrices(xm: Matrix, ym: Matrix, batchSize: number): Logs {
    const { loss, metrics, threshold } = this.requireCompiled('evaluate');
    this.checkExamples('evaluate', xm);
    const outDim = this.outputWidth('evaluate', xm.example);
    this.checkTargets('evaluate', 'y', ym, outDim);
    if (xm.rows === 0) throw new Error('evaluate: no rows');
    const scores = alloc(this.dtype, xm.rows * outDim);
    let lossSum = 0;
    this.network.eval();
    noGrad(() => {
      for (let start = 0; start < xm.rows; start += batchSize) {
        const end = Math.min(start + batchSize, xm.rows);
        const head = this.forwardHead(matrixTensor(sliceRows(xm, start, end)), loss.head);
        lossSum += loss.compute(head, matrixTensor(sliceRows(ym, start, end))).data[0] * (end - start);
        writeScores(loss.head, loss.task, head.data, scores, start * outDim, outDim);
      }
    });
    const penalty = noGrad(() => this.l2Penalty());
    const logs: Logs = { loss: lossSum / xm.rows + (penalty ? penalty.data[0] : 0) };
    for (const m of metrics) logs[m.name] = safeMetric(m, ym.data, scores, outDim, threshold);
    return logs;
  }

  /** The network's outputs for every row, in batches, in evaluation mode. */
  predict(x: MatrixLike, options: EvaluateOptions = {}): Tensor {
    checkOptions('predict', options, EVALUATE_OPTIONS);
    const xm = toMatrix('predict', 'x', x, this.dtype);
    const batchSize = batchSizeOf('predict', options);
    this.prepare('predict', xm);
    const outDim = this.outputWidth('predict', xm.example);
    const out = alloc(this.dtype, xm.rows * outDim);
    this.network.eval();
    noGrad(() => {
      for (let start = 0; start < xm.rows; start += batchSize) {
        const end = Math.min(start + batchSize, xm.rows);
        out.set(this.network.forward(matrixTensor(sliceRows(xm, start, end))).data, start * outDim);
      }
    });
    return new Tensor(out, [xm.rows, outDim]);
  }

  /**
   * Copies of every weight's values, in namedWeights order: the trained parameters and the
   * untrained state (BatchNormalization's moving statistics), as Keras's get_weights.
   */
  getWeights(): FloatArray[] {
    return this.network.namedWeights().map(([, p]) => p.data.slice());
  }

  setWeights(weights: ArrayLike<number>[]): void {
    const params = this.network.namedWeights();
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
    return summaryTable(this.network);
  }

  /**
   * Saves architecture and weights into the folder `dir`, exactly as saveModel(dir, model, options)
   * does; loadModel(dir).model is the way back.
   */
  save(dir: string, options: SaveOptions = {}): void {
    if (modelSaver === null) {
      throw new Error(
        'Model.save writes files: it needs Node and the io layer (import from tensorgrad, not its browser entry)',
      );
    }
    modelSaver(dir, this, options);
  }
}

type ModelSaver = (dir: string, model: Model, options: SaveOptions) => void;
/** Installed by io/save.ts, so the training layer itself imports nothing of Node (the browser bundle). */
let modelSaver: ModelSaver | null = null;

export function setModelSaver(saver: ModelSaver): void {
  modelSaver = saver;
}

/** process.stdout in Node; in a page, lines go to the console. */
function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout) return proc.stdout;
  return {
    write: (line: string) => {
      console.log(line.replace(/\n$/, ''));
      return true;
    },
  } as unknown as ProgressStream;
}

/** A batch size of 0 would loop forever over the rows: refuse it with the value. */
function batchSizeOf(where: string, options: EvaluateOptions): number {
  const b = options.batchSize ?? 256;
  if (!Number.isInteger(b) || b < 1)
    throw new Error(`${where}: batchSize must be a positive integer, got ${b}`);
  return b;
}

function lastLogs(h: History): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(h.history)) out[k] = v[v.length - 1];
  return out;
}
