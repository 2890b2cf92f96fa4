import { dropout } from '../ops/dropout.js';
import { checkOptions } from '../options.js';
import { defaultGenerator, type Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { type BuildContext, LAYER_OPTIONS, type LayerConfig, type LayerOptions, Module } from './module.js';

/** Inverted dropout while training, the identity in evaluation mode. */
export class Dropout extends Module {
  readonly rate: number;
  /** Where masks come from; Sequential hands each Dropout its own fork of the model's generator. */
  generator: Generator | null = null;

  constructor(rate: number, options: LayerOptions = {}) {
    super(checkOptions('Dropout', options, LAYER_OPTIONS).name);
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  get className(): string {
    return 'Dropout';
  }

  override build(inputDim: number, ctx: BuildContext): number {
    this.generator ??= ctx.generator.fork();
    return super.build(inputDim, ctx);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.rate, {
      training: this.training,
      generator: this.generator ?? defaultGenerator(),
    });
  }

  config(): LayerConfig {
    return { type: 'Dropout', name: this.name, rate: this.rate };
  }
}
