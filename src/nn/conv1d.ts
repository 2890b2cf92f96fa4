import { ACTIVATIONS, type Activation } from '../kernels/types.js';
import { relu, sigmoid, tanh } from '../ops/activations.js';
import { CONV1D_PADDINGS, type Conv1dPadding, conv1d, conv1dGeometry } from '../ops/conv1d.js';
import { reshape } from '../ops/shape.js';
import { where } from '../ops/where.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator } from '../random.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { type BuildContext, type LayerConfig, type MaskedOutput, Module } from './module.js';

export interface Conv1DOptions {
  strides?: number;
  /** 'valid' (default), 'same' or 'causal', as in Keras. */
  padding?: Conv1dPadding;
  /** Spacing of the kernel's taps (Keras's dilation_rate). Default 1. */
  dilationRate?: number;
  activation?: Activation;
  useBias?: boolean;
  /** [steps, channels] of one example, when this is the first layer. */
  inputShape?: readonly number[];
  name?: string;
}

const CONV1D_OPTIONS = knownOptions<Conv1DOptions>({
  strides: true,
  padding: true,
  dilationRate: true,
  activation: true,
  useBias: true,
  inputShape: true,
  name: true,
});

const ACTIVATE: Record<Activation, (x: Tensor) => Tensor> = { linear: (x) => x, relu, sigmoid, tanh };

/**
 * Keras's Conv1D: filters over windows of kernelSize steps, kernel [kernelSize, channels,
 * filters] (Glorot-uniform with Keras's fans: kernelSize * channels in, kernelSize * filters out),
 * zero bias, then the activation. Unlike Keras's it takes a mask: masked steps are read as zeros
 * (what 'same' and 'causal' pad with anyway) and an output step is masked when the input step it
 * is anchored at is ('same', 'causal': step t * strides) or when its window touches a masked step
 * ('valid'). So a sequence gives the same outputs at its real steps with any amount of padding at
 * its end, and, with strides 1, at its start.
 */
export class Conv1D extends Module {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Conv1dPadding;
  readonly dilationRate: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly declaredShape: number[] | null;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(filters: number, kernelSize: number, options: Conv1DOptions = {}) {
    super(checkOptions('Conv1D', options, CONV1D_OPTIONS).name);
    for (const [what, v] of [
      ['filters', filters],
      ['kernelSize', kernelSize],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`Conv1D: ${what} must be a positive integer, got ${v}`);
    }
    const {
      strides = 1,
      padding = 'valid',
      dilationRate = 1,
      activation = 'linear',
      useBias = true,
    } = options;
    if (!ACTIVATIONS.includes(activation)) {
      throw new Error(`Conv1D: unknown activation '${activation}'; use one of ${ACTIVATIONS.join(', ')}`);
    }
    if (!CONV1D_PADDINGS.includes(padding)) {
      throw new Error(`Conv1D: unknown padding '${padding}'; use one of ${CONV1D_PADDINGS.join(', ')}`);
    }
    if (typeof useBias !== 'boolean')
      throw new Error(`Conv1D: useBias must be true or false, got ${useBias}`);
    // The geometry's own checks (positive integers, not both strides and dilation above 1).
    conv1dGeometry('Conv1D', (kernelSize - 1) * dilationRate + 1, kernelSize, {
      strides,
      padding,
      dilation: dilationRate,
    });
    const shape = options.inputShape;
    if (shape !== undefined && (shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0))) {
      throw new Error(
        `Conv1D: inputShape must be [steps, channels] of positive integers, got ${formatShape(shape)}`,
      );
    }
    this.filters = filters;
    this.kernelSize = kernelSize;
    this.strides = strides;
    this.padding = padding;
    this.dilationRate = dilationRate;
    this.activation = activation;
    this.useBias = useBias;
    this.declaredShape = shape ? [...shape] : null;
  }

  get className(): string {
    return 'Conv1D';
  }

  override declaredInputShape(): number[] | null {
    return this.declaredShape;
  }

  private geometry(steps: number) {
    return conv1dGeometry(`Conv1D '${this.name}'`, steps, this.kernelSize, {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
    });
  }

  override outputDim(): number {
    return this.filters;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [this.geometry(inputShape[0]).outSteps, this.filters];
  }

  override buildShape(inputShape: readonly number[], ctx: BuildContext): number[] {
    if (inputShape.length !== 2) {
      throw new Error(
        `Conv1D '${this.name}': input must be sequences [batch, steps, channels], got examples of shape ${formatShape(inputShape)}`,
      );
    }
    const out = this.outputShape(inputShape);
    this.build(inputShape[1], ctx);
    return out;
  }

  override build(inputDim: number, ctx: BuildContext): number {
    const [K, C, F] = [this.kernelSize, inputDim, this.filters];
    const limit = Math.sqrt(6 / (K * C + K * F));
    const w = alloc(ctx.dtype, K * C * F);
    for (let i = 0; i < w.length; i++) w[i] = ctx.generator.uniform(-limit, limit);
    this.kernel = new Tensor(w, [K, C, F], true);
    this.bias = this.useBias ? new Tensor(alloc(ctx.dtype, F), [F], true) : null;
    this.inputDim = inputDim;
    return F;
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

  forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null).output;
  }

  override forwardMasked(x: Tensor, mask: Tensor | null): MaskedOutput {
    if (x.ndim !== 3) {
      throw new Error(
        `Conv1D '${this.name}': input must be [batch, steps, channels], got ${formatShape(x.shape)}`,
      );
    }
    if (this.kernel === null)
      this.buildShape(x.shape.slice(1), { generator: defaultGenerator(), dtype: x.dtype });
    const kernel = this.kernel as Tensor;
    if (x.shape[2] !== kernel.shape[1]) {
      throw new Error(
        `Conv1D '${this.name}': input has ${x.shape[2]} channels per step but the layer expects ${kernel.shape[1]}`,
      );
    }
    const input = mask === null ? x : where(reshape(mask, [...mask.shape, 1]), x, 0);
    const options = { strides: this.strides, padding: this.padding, dilation: this.dilationRate };
    const output = ACTIVATE[this.activation](conv1d(input, kernel, this.bias, options));
    return { output, mask: mask === null ? null : this.outputMask(mask, output.shape[1]) };
  }

  /** Which output steps are real (see the class comment). */
  private outputMask(mask: Tensor, outSteps: number): Tensor {
    const [B, T] = mask.shape;
    const out = alloc(mask.dtype, B * outSteps);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < outSteps; t++) {
        let real = true;
        if (this.padding === 'valid') {
          for (let k = 0; k < this.kernelSize && real; k++) {
            real = mask.data[b * T + t * this.strides + k * this.dilationRate] !== 0;
          }
        } else {
          real = mask.data[b * T + t * this.strides] !== 0;
        }
        out[b * outSteps + t] = real ? 1 : 0;
      }
    }
    return new Tensor(out, [B, outSteps]);
  }

  config(): LayerConfig {
    return {
      type: 'Conv1D',
      name: this.name,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      ...(this.declaredShape !== null ? { inputShape: this.declaredShape } : {}),
    };
  }
}
