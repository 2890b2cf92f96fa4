import { div, sub } from '../ops/arithmetic.js';
import { exp } from '../ops/math.js';
import { sum } from '../ops/reduce.js';
import { checkOptions } from '../options.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { LAYER_OPTIONS, type LayerConfig, type LayerOptions, Module } from './module.js';

/**
 * Softmax over the features of each row, composed from primitive ops. The row maximum is
 * subtracted as a constant first: softmax is unchanged by it and exp cannot overflow.
 * With categoricalCrossentropy, fit skips this layer and uses the fused softmaxCrossEntropy.
 */
export class Softmax extends Module {
  constructor(options: LayerOptions = {}) {
    super(checkOptions('Softmax', options, LAYER_OPTIONS).name);
  }

  override get supportsMasking(): boolean {
    return true;
  }

  get className(): string {
    return 'Softmax';
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2)
      throw new Error(`Softmax: input must be [batch, features], got ${formatShape(x.shape)}`);
    const [n, c] = x.shape;
    const max = alloc(x.dtype, n);
    for (let i = 0; i < n; i++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < c; j++) m = x.data[i * c + j] > m ? x.data[i * c + j] : m;
      max[i] = m;
    }
    const e = exp(sub(x, new Tensor(max, [n, 1])));
    return div(e, sum(e, 1, true));
  }

  config(): LayerConfig {
    return { type: 'Softmax', name: this.name };
  }
}
