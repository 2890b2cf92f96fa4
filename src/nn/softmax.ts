import { softmax } from '../ops/softmax.js';
import { checkOptions } from '../options.js';
import { formatShape, type Tensor } from '../tensor.js';
import { LAYER_OPTIONS, type LayerConfig, type LayerOptions, Module } from './module.js';

/**
 * Softmax over the features of each row (the softmax op: the row maximum is subtracted first, so
 * exp cannot overflow). With categoricalCrossentropy or sparseCategoricalCrossentropy, fit skips
 * this layer and uses the fused softmaxCrossEntropy on its input.
 */
export class Softmax extends Module {
  constructor(options: LayerOptions = {}) {
    super(checkOptions('Softmax', options, LAYER_OPTIONS).name);
  }

  get className(): string {
    return 'Softmax';
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2)
      throw new Error(`Softmax: input must be [batch, features], got ${formatShape(x.shape)}`);
    return softmax(x);
  }

  config(): LayerConfig {
    return { type: 'Softmax', name: this.name };
  }
}
