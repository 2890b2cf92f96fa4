import { mul } from '../ops/arithmetic.js';
import { max } from '../ops/max.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { where } from '../ops/where.js';
import { checkOptions } from '../options.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { LAYER_OPTIONS, type LayerConfig, type LayerOptions, type MaskedOutput, Module } from './module.js';

/** [batch, steps, features] -> [batch, features]; masked steps are left out (the mask ends here). */
abstract class GlobalPooling1D extends Module {
  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 2) {
      throw new Error(
        `${this.className} '${this.name}': input must be sequences [batch, steps, features], got examples of shape ${formatShape(inputShape)}`,
      );
    }
    return [inputShape[1]];
  }

  override buildShape(inputShape: readonly number[]): number[] {
    const out = this.outputShape(inputShape);
    this.inputDim = inputShape[1];
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
        `${this.className} '${this.name}': input must be [batch, steps, features], got ${formatShape(x.shape)}`,
      );
    }
    if (mask !== null && (mask.ndim !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])) {
      throw new Error(
        `${this.className} '${this.name}': mask ${formatShape(mask.shape)} does not match input ${formatShape(x.shape)}`,
      );
    }
    return { output: this.pool(x, mask), mask: null };
  }

  protected abstract pool(x: Tensor, mask: Tensor | null): Tensor;

  config(): LayerConfig {
    return { type: this.className, name: this.name };
  }
}

/** The number of real steps of each example, as a [batch, 1] constant of x's dtype. */
function realSteps(mask: Tensor, dtype: Tensor['dtype'], f: (count: number) => number): Tensor {
  const [B, T] = mask.shape;
  const out = alloc(dtype, B);
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) if (mask.data[b * T + t] !== 0) n++;
    out[b] = f(n);
  }
  return new Tensor(out, [B, 1]);
}

/** The mean over the steps (the real ones when masked, as Keras; 0 for an example with none). */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  constructor(options: LayerOptions = {}) {
    super(checkOptions('GlobalAveragePooling1D', options, LAYER_OPTIONS).name);
  }

  get className(): string {
    return 'GlobalAveragePooling1D';
  }

  protected pool(x: Tensor, mask: Tensor | null): Tensor {
    if (mask === null) return mean(x, 1);
    const kept = where(reshape(mask, [...mask.shape, 1]), x, 0);
    return mul(
      sum(kept, 1),
      realSteps(mask, x.dtype, (n) => 1 / Math.max(n, 1)),
    );
  }
}

/** The largest value of each feature over the steps (the real ones when masked; 0 when none are). */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  constructor(options: LayerOptions = {}) {
    super(checkOptions('GlobalMaxPooling1D', options, LAYER_OPTIONS).name);
  }

  get className(): string {
    return 'GlobalMaxPooling1D';
  }

  protected pool(x: Tensor, mask: Tensor | null): Tensor {
    if (mask === null) return max(x, 1);
    const kept = where(reshape(mask, [...mask.shape, 1]), x, Number.NEGATIVE_INFINITY);
    return where(
      realSteps(mask, x.dtype, (n) => (n > 0 ? 1 : 0)),
      max(kept, 1),
      0,
    );
  }
}
