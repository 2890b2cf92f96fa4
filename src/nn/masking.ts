import { reshape } from '../ops/shape.js';
import { where } from '../ops/where.js';
import { checkOptions, knownOptions } from '../options.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { type LayerConfig, type MaskedOutput, Module } from './module.js';

export interface MaskingOptions {
  /** A step whose features all equal this value is padding. Default 0. */
  maskValue?: number;
  /** [steps, features] of one example, when this is the first layer. */
  inputShape?: readonly number[];
  name?: string;
}

const MASKING_OPTIONS = knownOptions<MaskingOptions>({ maskValue: true, inputShape: true, name: true });

/**
 * Keras's Masking for sequences of numbers [batch, steps, features]: a step whose every feature
 * equals maskValue is padding. Such steps are zeroed and masked for the next layers.
 */
export class Masking extends Module {
  readonly maskValue: number;
  readonly declaredShape: number[] | null;

  constructor(options: MaskingOptions = {}) {
    super(checkOptions('Masking', options, MASKING_OPTIONS).name);
    const { maskValue = 0, inputShape } = options;
    if (typeof maskValue !== 'number' || Number.isNaN(maskValue)) {
      throw new Error(`Masking: maskValue must be a number, got ${String(maskValue)}`);
    }
    if (
      inputShape !== undefined &&
      (inputShape.length !== 2 || !inputShape.every((d) => Number.isInteger(d) && d > 0))
    ) {
      throw new Error(
        `Masking: inputShape must be [steps, features] of positive integers, got ${formatShape(inputShape)}`,
      );
    }
    this.maskValue = maskValue;
    this.declaredShape = inputShape ? [...inputShape] : null;
  }

  get className(): string {
    return 'Masking';
  }

  override declaredInputShape(): number[] | null {
    return this.declaredShape;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null).output;
  }

  override forwardMasked(x: Tensor, _mask: Tensor | null): MaskedOutput {
    if (x.ndim !== 3) {
      throw new Error(
        `Masking '${this.name}': input must be [batch, steps, features], got ${formatShape(x.shape)}`,
      );
    }
    const [B, T, F] = x.shape;
    const mask = alloc(x.dtype, B * T);
    for (let r = 0; r < B * T; r++) {
      let real = 0;
      for (let f = 0; f < F && real === 0; f++) if (x.data[r * F + f] !== this.maskValue) real = 1;
      mask[r] = real;
    }
    const m = new Tensor(mask, [B, T]);
    return { output: where(reshape(m, [B, T, 1]), x, 0), mask: m };
  }

  config(): LayerConfig {
    return {
      type: 'Masking',
      name: this.name,
      maskValue: this.maskValue,
      ...(this.declaredShape !== null ? { inputShape: this.declaredShape } : {}),
    };
  }
}
