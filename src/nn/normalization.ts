import { noGrad } from '../autograd.js';
import { batchNorm, columnMoments, layerNorm, NORMALIZATION_EPSILON } from '../ops/normalization.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator } from '../random.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { type BuildContext, type LayerConfig, Module } from './module.js';

export interface LayerNormalizationOptions {
  /** Added to the variance under the square root. Default 1e-3 (Keras, TF.js). */
  epsilon?: number;
  /** Learn a shift beta (initialized to 0). Default true. */
  center?: boolean;
  /** Learn a scale gamma (initialized to 1). Default true. */
  scale?: boolean;
  name?: string;
}

export interface BatchNormalizationOptions extends LayerNormalizationOptions {
  /** moving = moving * momentum + batch * (1 - momentum), every training batch. Default 0.99 (Keras). */
  momentum?: number;
}

const LAYER_NORMALIZATION_OPTIONS = knownOptions<LayerNormalizationOptions>({
  epsilon: true,
  center: true,
  scale: true,
  name: true,
});
const BATCH_NORMALIZATION_OPTIONS = knownOptions<BatchNormalizationOptions>({
  momentum: true,
  epsilon: true,
  center: true,
  scale: true,
  name: true,
});

/** Shared by both layers: gamma (ones) and beta (zeros) over the features, as Keras initializes them. */
abstract class Normalization extends Module {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Tensor | null = null;
  beta: Tensor | null = null;

  constructor(who: string, options: LayerNormalizationOptions) {
    super(options.name);
    const { epsilon = NORMALIZATION_EPSILON, center = true, scale = true } = options;
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new Error(`${who}: epsilon must be a finite number > 0, got ${epsilon}`);
    }
    for (const [what, v] of [
      ['center', center],
      ['scale', scale],
    ] as const) {
      if (typeof v !== 'boolean') throw new Error(`${who}: ${what} must be true or false, got ${String(v)}`);
    }
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
  }

  override build(inputDim: number, ctx: BuildContext): number {
    const filled = (v: number) => {
      const d = alloc(ctx.dtype, inputDim);
      d.fill(v);
      return d;
    };
    this.gamma = this.scale ? new Tensor(filled(1), [inputDim], true) : null;
    this.beta = this.center ? new Tensor(filled(0), [inputDim], true) : null;
    this.inputDim = inputDim;
    return inputDim;
  }

  override ownParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    if (this.gamma) out.push(['gamma', this.gamma]);
    if (this.beta) out.push(['beta', this.beta]);
    return out;
  }

  /** Checks a [batch, features] input against the built width (building on first use). */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2) {
      throw new Error(
        `${this.className} '${this.name}': input must be [batch, features], got ${formatShape(x.shape)}`,
      );
    }
    if (this.inputDim === null) this.build(x.shape[1], { generator: defaultGenerator(), dtype: x.dtype });
    if (x.shape[1] !== this.inputDim) {
      throw new Error(
        `${this.className} '${this.name}': input has ${x.shape[1]} features but the layer expects ${this.inputDim}`,
      );
    }
  }

  protected baseConfig(): LayerConfig {
    return {
      type: this.className,
      name: this.name,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
    };
  }
}

/**
 * Keras's BatchNormalization over the features of [batch, features] rows. Training: each batch is
 * normalized by its own mean and (biased) variance, and the moving statistics move towards them
 * (momentum 0.99). Evaluation (predict, evaluate, validation): the moving statistics are used.
 * The moving mean (zeros) and variance (ones) are saved and exported but not trained.
 */
export class BatchNormalization extends Normalization {
  readonly momentum: number;
  movingMean: Tensor | null = null;
  movingVariance: Tensor | null = null;

  constructor(options: BatchNormalizationOptions = {}) {
    checkOptions('BatchNormalization', options, BATCH_NORMALIZATION_OPTIONS);
    super('BatchNormalization', options);
    this.momentum = options.momentum ?? 0.99;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`BatchNormalization: momentum must be in [0, 1], got ${this.momentum}`);
    }
  }

  get className(): string {
    return 'BatchNormalization';
  }

  override build(inputDim: number, ctx: BuildContext): number {
    super.build(inputDim, ctx);
    const ones = alloc(ctx.dtype, inputDim);
    ones.fill(1);
    this.movingMean = new Tensor(alloc(ctx.dtype, inputDim), [inputDim]);
    this.movingVariance = new Tensor(ones, [inputDim]);
    return inputDim;
  }

  override ownBuffers(): Array<[string, Tensor]> {
    if (!this.movingMean || !this.movingVariance) return [];
    return [
      ['moving_mean', this.movingMean],
      ['moving_variance', this.movingVariance],
    ];
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const mean = this.movingMean as Tensor;
    const variance = this.movingVariance as Tensor;
    if (!this.training) return batchNorm(x, this.gamma, this.beta, { epsilon: this.epsilon, mean, variance });
    const out = batchNorm(x, this.gamma, this.beta, { epsilon: this.epsilon });
    noGrad(() => this.updateMoving(x));
    return out;
  }

  /**
   * moving = moving * momentum + batch * (1 - momentum). A batch whose statistics are not finite
   * (weights that diverged) leaves them as they were, so a failed step does not poison them.
   */
  private updateMoving(x: Tensor): void {
    const [n, c] = x.shape;
    const { mean, variance } = columnMoments(x.data, n, c);
    if (![...mean, ...variance].every(Number.isFinite)) return;
    const m = this.momentum;
    const mm = (this.movingMean as Tensor).data;
    const mv = (this.movingVariance as Tensor).data;
    for (let j = 0; j < c; j++) {
      mm[j] = mm[j] * m + mean[j] * (1 - m);
      mv[j] = mv[j] * m + variance[j] * (1 - m);
    }
  }

  config(): LayerConfig {
    return { ...this.baseConfig(), momentum: this.momentum };
  }
}

/**
 * Keras's LayerNormalization over the features of each row (the same in training and evaluation),
 * then a learned per-feature scale and shift.
 */
export class LayerNormalization extends Normalization {
  constructor(options: LayerNormalizationOptions = {}) {
    checkOptions('LayerNormalization', options, LAYER_NORMALIZATION_OPTIONS);
    super('LayerNormalization', options);
  }

  get className(): string {
    return 'LayerNormalization';
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return layerNorm(x, this.gamma, this.beta, { epsilon: this.epsilon });
  }

  config(): LayerConfig {
    return this.baseConfig();
  }
}
