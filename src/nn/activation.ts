import { relu, sigmoid, tanh } from '../ops/activations.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { LAYER_OPTIONS, type LayerConfig, type LayerOptions, Module } from './module.js';

export type ActivationName = 'relu' | 'sigmoid' | 'tanh';
const FUNCTIONS: Record<ActivationName, (x: Tensor) => Tensor> = { relu, sigmoid, tanh };

/** An activation as its own layer (Keras's Activation), shape-preserving and parameter-free. */
export class ActivationLayer extends Module {
  readonly activation: ActivationName;

  constructor(activation: ActivationName, options: LayerOptions = {}) {
    // new.target names the class the user wrote: ReLU, not Activation.
    super(
      checkOptions(
        new.target.name === 'ActivationLayer' ? 'Activation' : new.target.name,
        options,
        LAYER_OPTIONS,
      ).name,
    );
    if (!(activation in FUNCTIONS)) {
      throw new Error(`Activation: unknown activation '${activation}'; use relu, sigmoid or tanh`);
    }
    this.activation = activation;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  get className(): string {
    return 'Activation';
  }

  forward(x: Tensor): Tensor {
    return FUNCTIONS[this.activation](x);
  }

  config(): LayerConfig {
    return { type: 'Activation', name: this.name, activation: this.activation };
  }
}

export class ReLU extends ActivationLayer {
  constructor(options: LayerOptions = {}) {
    super('relu', options);
  }
}

export class Sigmoid extends ActivationLayer {
  constructor(options: LayerOptions = {}) {
    super('sigmoid', options);
  }
}

export class Tanh extends ActivationLayer {
  constructor(options: LayerOptions = {}) {
    super('tanh', options);
  }
}
