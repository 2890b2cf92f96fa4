import { isGradEnabled } from '../autograd.js';
import {
  packInt8Weights,
  QUANT_MAX,
  quantizeActivations,
  quantizedDensePacked,
} from '../kernels/declarations/quantized.js';
import { formatShape, Tensor } from '../tensor.js';
import { type ActivationName, applyActivation, isKernelActivation } from './activation.js';
import { type BuildContext, type LayerConfig, Module } from './module.js';

/** How a QuantizedDense layer's input is quantized: code = clamp(round(x / scale) + zeroPoint, 0, 127). */
export interface ActivationQuantization {
  scale: number;
  zeroPoint: number;
}

/**
 * Checks an activation quantization: a positive float32 scale and an integer zero point in
 * [0, 127]. Returns it with the scale rounded to float32 (the value every kernel uses).
 */
export function checkActivationQuantization(who: string, q: ActivationQuantization): ActivationQuantization {
  const scale = Math.fround(q.scale);
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`${who}: the input scale must be a positive finite float32, got ${q.scale}`);
  }
  if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < 0 || q.zeroPoint > QUANT_MAX) {
    throw new Error(
      `${who}: the input zero point must be an integer in [0, ${QUANT_MAX}], got ${q.zeroPoint}`,
    );
  }
  return { scale, zeroPoint: q.zeroPoint };
}

export interface QuantizedDenseOptions {
  activation: ActivationName;
  input: ActivationQuantization;
  name?: string;
}

/**
 * A Dense layer quantized for inference: int8 weights with one symmetric scale per output channel,
 * its input quantized to 7-bit codes with a scale and zero point calibrated beforehand (see
 * training/quantize.ts), int32 sums, then the float epilogue (scales, bias, activation). It has no
 * trainable parameters and no backward: forward refuses to run in training mode or while gradients
 * are recorded, so a quantized model predicts and evaluates but cannot be fitted.
 *
 * Weights: `kernel` int8 [units, inputDim] (one row per output channel, the transpose of Dense's
 * kernel), `kernelScale` float32 [units], `bias` float32 [units] (zeros when the Dense had none).
 */
export class QuantizedDense extends Module {
  readonly units: number;
  readonly activation: ActivationName;
  readonly input: ActivationQuantization;
  kernel: Int8Array | null = null;
  kernelScale: Tensor | null = null;
  bias: Tensor | null = null;
  // Derived from the weights on first use: the epilogue's per-channel scale and offset, and the
  // weights packed into the int8 kernels' panels (packInt8Weights), so no call repacks them.
  private folded: { scale: Float32Array; offset: Float32Array; packed: Int8Array; from: Int8Array } | null =
    null;
  private codes = new Uint8Array(0);

  constructor(units: number, options: QuantizedDenseOptions) {
    super(options.name);
    if (!Number.isInteger(units) || units <= 0) {
      throw new Error(`QuantizedDense: units must be a positive integer, got ${units}`);
    }
    this.units = units;
    this.activation = options.activation;
    this.input = checkActivationQuantization(`QuantizedDense '${options.name ?? ''}'`, options.input);
  }

  get className(): string {
    return 'QuantizedDense';
  }

  override outputDim(): number {
    return this.units;
  }

  override build(inputDim: number, ctx: BuildContext): number {
    if (ctx.dtype !== 'float32') {
      throw new Error(`QuantizedDense '${this.name}': quantized models are float32, got ${ctx.dtype}`);
    }
    // Built already for this width (a model built around layers that hold their weights): keep them.
    if (this.kernel !== null && this.inputDim === inputDim) return this.units;
    this.kernel = new Int8Array(this.units * inputDim);
    this.kernelScale = new Tensor(new Float32Array(this.units).fill(1), [this.units]);
    this.bias = new Tensor(new Float32Array(this.units), [this.units]);
    this.folded = null;
    this.inputDim = inputDim;
    return this.units;
  }

  /** Sets the weights (after build): int8 kernel [units, inputDim], scales and bias [units]. */
  setQuantizedWeights(kernel: Int8Array, kernelScale: ArrayLike<number>, bias: ArrayLike<number>): void {
    if (this.kernel === null || this.kernelScale === null || this.bias === null) {
      throw new Error(`QuantizedDense '${this.name}': build it before setting its weights`);
    }
    if (
      kernel.length !== this.kernel.length ||
      kernelScale.length !== this.units ||
      bias.length !== this.units
    ) {
      throw new Error(
        `QuantizedDense '${this.name}': weights of ${kernel.length}, ${kernelScale.length} and ${bias.length} values; the layer needs ${this.kernel.length}, ${this.units} and ${this.units}`,
      );
    }
    this.kernel.set(kernel);
    this.kernelScale.data.set(kernelScale);
    this.bias.data.set(bias);
    this.folded = null;
  }

  /** Saved with the other weights but not trained (Keras's non-trainable weights). */
  override ownBuffers(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    if (this.kernelScale) out.push(['kernel_scale', this.kernelScale]);
    if (this.bias) out.push(['bias', this.bias]);
    return out;
  }

  /** The int8 weights by short name and shape, saved apart from the float ones (io/save.ts). */
  int8Weights(): Array<[string, Int8Array, number[]]> {
    return this.kernel === null ? [] : [['kernel', this.kernel, [this.units, this.inputDim as number]]];
  }

  /**
   * The epilogue's per-channel float32 scale (input scale x channel scale) and offset (the bias
   * minus the zero point's share: scale * zeroPoint * sum of the channel's int8 weights). Folded
   * again whenever the weights may have changed (they are read on every call, cheaply: units values).
   */
  epilogue(): { scale: Float32Array; offset: Float32Array } {
    const kernel = this.kernel as Int8Array;
    const k = this.inputDim as number;
    const scale = new Float32Array(this.units);
    const offset = new Float32Array(this.units);
    const ws = (this.kernelScale as Tensor).data;
    const b = (this.bias as Tensor).data;
    for (let j = 0; j < this.units; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += kernel[j * k + p];
      scale[j] = this.input.scale * ws[j];
      offset[j] = b[j] - scale[j] * this.input.zeroPoint * sum;
    }
    return { scale, offset };
  }

  /** Forgets the folded epilogue and the packed weights: call after changing the weights' arrays in place. */
  invalidate(): void {
    this.folded = null;
  }

  forward(x: Tensor): Tensor {
    if (this.training || isGradEnabled()) {
      throw new Error(
        `QuantizedDense '${this.name}': an int8 layer is inference-only (no gradients); predict or evaluate with the quantized model, and train the float one`,
      );
    }
    if (x.ndim !== 2) {
      throw new Error(
        `QuantizedDense '${this.name}': input must be [batch, features], got ${formatShape(x.shape)}`,
      );
    }
    if (this.kernel === null) throw new Error(`QuantizedDense '${this.name}': the layer is not built`);
    const k = this.inputDim as number;
    if (x.shape[1] !== k) {
      throw new Error(
        `QuantizedDense '${this.name}': input has ${x.shape[1]} features but the layer expects ${k}`,
      );
    }
    if (!(x.data instanceof Float32Array)) {
      throw new Error(`QuantizedDense '${this.name}': input must be float32, got ${x.dtype}`);
    }
    if (this.folded === null || this.folded.from !== this.kernel) {
      const packed = packInt8Weights(this.units, k, this.kernel);
      this.folded = { ...this.epilogue(), packed, from: this.kernel };
    }
    const m = x.shape[0];
    const n = this.units;
    if (this.codes.length < m * k) this.codes = new Uint8Array(m * k);
    quantizeActivations(m * k, x.data, this.input.scale, this.input.zeroPoint, this.codes);
    const out = new Float32Array(m * n);
    const fused = isKernelActivation(this.activation);
    const { scale, offset, packed } = this.folded;
    quantizedDensePacked(m, n, k, this.codes, packed, scale, offset, fused ? this.activation : 'linear', out);
    const y = new Tensor(out, [m, n]);
    return fused ? y : applyActivation(this.activation, y);
  }

  config(): LayerConfig {
    return {
      type: 'QuantizedDense',
      name: this.name,
      units: this.units,
      activation: this.activation,
      inputScale: this.input.scale,
      inputZeroPoint: this.input.zeroPoint,
    };
  }
}
