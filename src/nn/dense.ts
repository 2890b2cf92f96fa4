import { dense, denseDropout } from '../ops/dense.js';
import { dropout } from '../ops/dropout.js';
import { reshape } from '../ops/shape.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator, type Generator } from '../random.js';
import { formatShape, Tensor } from '../tensor.js';
import {
  ACTIVATION_NAMES,
  type ActivationName,
  applyActivation,
  checkActivation,
  isKernelActivation,
} from './activation.js';
import { initKernel, KERNEL_INITIALIZERS, type KernelInitializer } from './initializers.js';
import { type BuildContext, type LayerConfig, Module } from './module.js';

export const DENSE_ACTIVATIONS: readonly ActivationName[] = ACTIVATION_NAMES;

export interface DenseOptions {
  /**
   * Default 'linear'. relu, sigmoid and tanh run inside the fused dense kernel; softmax,
   * leakyRelu, elu and gelu as their own op after it (Keras's definitions, see ActivationName).
   */
  activation?: ActivationName;
  /** Default 'glorotUniform', as in Keras. Biases start at zero. */
  kernelInitializer?: KernelInitializer;
  useBias?: boolean;
  /** L2 penalty factor: fit adds l2 * sum(kernel^2) to the loss (Keras's kernel_regularizer). */
  l2?: number;
  /** Input width, when this is the first layer (otherwise inferred at build or first call). */
  inputDim?: number;
  /** Keras-style alternative to inputDim: [features]. */
  inputShape?: readonly number[];
  name?: string;
}

const DENSE_OPTIONS = knownOptions<DenseOptions>({
  activation: true,
  kernelInitializer: true,
  useBias: true,
  l2: true,
  inputDim: true,
  inputShape: true,
  name: true,
});

/** A fully connected layer h = act(x W + b), run by the fused `dense` op. */
export class Dense extends Module {
  readonly units: number;
  readonly activation: ActivationName;
  readonly kernelInitializer: KernelInitializer;
  readonly useBias: boolean;
  readonly l2: number;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;
  /** The width given by the user (inputDim / inputShape), checked at build. */
  readonly declaredInputDim: number | null;

  constructor(units: number, options: DenseOptions = {}) {
    super(checkOptions('Dense', options, DENSE_OPTIONS).name);
    if (!Number.isInteger(units) || units <= 0) {
      throw new Error(`Dense: units must be a positive integer, got ${units}`);
    }
    const {
      activation = 'linear',
      kernelInitializer = 'glorotUniform',
      useBias = true,
      l2 = 0,
      inputDim,
      inputShape,
    } = options;
    checkActivation('Dense', activation);
    if (!KERNEL_INITIALIZERS.includes(kernelInitializer)) {
      throw new Error(
        `Dense: unknown kernelInitializer '${kernelInitializer}'; use one of ${KERNEL_INITIALIZERS.join(', ')}`,
      );
    }
    if (!(l2 >= 0) || !Number.isFinite(l2))
      throw new Error(`Dense: l2 must be a finite number >= 0, got ${l2}`);
    if (inputShape !== undefined && inputShape.length !== 1) {
      throw new Error(`Dense: inputShape must be [features], got ${formatShape(inputShape)}`);
    }
    const declared = inputDim ?? inputShape?.[0] ?? null;
    if (declared !== null && (!Number.isInteger(declared) || declared <= 0)) {
      throw new Error(`Dense: input width must be a positive integer, got ${declared}`);
    }
    this.units = units;
    this.activation = activation;
    this.kernelInitializer = kernelInitializer;
    this.useBias = useBias;
    this.l2 = l2;
    this.declaredInputDim = declared;
  }

  get className(): string {
    return 'Dense';
  }

  override outputDim(): number {
    return this.units;
  }

  override build(inputDim: number, ctx: BuildContext): number {
    if (this.declaredInputDim !== null && this.declaredInputDim !== inputDim) {
      throw new Error(
        `Dense '${this.name}': declared input width ${this.declaredInputDim} but built for ${inputDim}`,
      );
    }
    const w = initKernel(this.kernelInitializer, inputDim, this.units, ctx.generator, ctx.dtype);
    this.kernel = new Tensor(w, [inputDim, this.units], true);
    this.bias = this.useBias
      ? new Tensor(
          ctx.dtype === 'float64' ? new Float64Array(this.units) : new Float32Array(this.units),
          [this.units],
          true,
        )
      : null;
    this.inputDim = inputDim;
    return this.units;
  }

  override ownParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    if (this.kernel) out.push(['kernel', this.kernel]);
    if (this.bias) out.push(['bias', this.bias]);
    return out;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  override declaredInputShape(): number[] | null {
    return this.declaredInputDim === null ? null : [this.declaredInputDim];
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, this.activation);
  }

  /**
   * The layer with another activation: 'linear' gives the logits the fused losses take. On a
   * sequence [batch, steps, features] it acts on every step (Keras's Dense on the last axis).
   */
  forwardWith(x: Tensor, activation: ActivationName): Tensor {
    if (x.ndim > 2) {
      const rows = reshape(x, [-1, x.shape[x.ndim - 1]]);
      return reshape(this.forwardWith(rows, activation), [...x.shape.slice(0, -1), this.units]);
    }
    if (x.ndim !== 2)
      throw new Error(`Dense '${this.name}': input must be [batch, features], got ${formatShape(x.shape)}`);
    const kernel = this.kernelFor(x);
    if (isKernelActivation(activation)) return dense(x, kernel, this.bias, activation);
    return applyActivation(activation, dense(x, kernel, this.bias, 'linear'));
  }

  /**
   * The layer, then inverted dropout of its output at `rate` with masks from `generator` (what
   * Sequential runs for this layer and a Dropout right after it, while training): one op,
   * denseDropout, whose backward is a single pass for ReLU. The same values, gradients and draws
   * as the two layers one after the other.
   */
  forwardWithDropout(x: Tensor, rate: number, generator: Generator): Tensor {
    if (x.ndim !== 2 || !isKernelActivation(this.activation)) {
      return dropout(this.forward(x), rate, { generator });
    }
    const kernel = this.kernelFor(x);
    return denseDropout(x, kernel, this.bias, this.activation, rate, { generator });
  }

  /** The kernel, built on the first input; throws when x's features do not match it. */
  private kernelFor(x: Tensor): Tensor {
    if (this.kernel === null) this.build(x.shape[1], { generator: defaultGenerator(), dtype: x.dtype });
    const kernel = this.kernel as Tensor;
    if (x.shape[1] !== kernel.shape[0]) {
      throw new Error(
        `Dense '${this.name}': input has ${x.shape[1]} features but the layer expects ${kernel.shape[0]}`,
      );
    }
    return kernel;
  }

  config(): LayerConfig {
    return {
      type: 'Dense',
      name: this.name,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      l2: this.l2,
      ...(this.declaredInputDim !== null ? { inputDim: this.declaredInputDim } : {}),
    };
  }
}
