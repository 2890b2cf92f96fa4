import { ACTIVATIONS as KERNEL_ACTIVATIONS, type Activation as KernelActivation } from '../kernels/types.js';
import { elu, gelu, leakyRelu, relu, sigmoid, tanh } from '../ops/activations.js';
import { softmax } from '../ops/softmax.js';
import { checkOptions, closestOption } from '../options.js';
import type { Tensor } from '../tensor.js';
import { LAYER_OPTIONS, type LayerConfig, type LayerOptions, Module } from './module.js';

/**
 * The activations a layer takes by name, with Keras's definitions and defaults: leakyRelu has
 * slope 0.2 below zero (keras.activations.leaky_relu; the LeakyReLU layer's own default is 0.3),
 * elu alpha 1, gelu the exact erf form (approximate=False), softmax over the last axis.
 */
export type ActivationName =
  | 'linear'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'softmax'
  | 'leakyRelu'
  | 'elu'
  | 'gelu';

const FUNCTIONS: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu,
  sigmoid,
  tanh,
  softmax: (x) => softmax(x),
  leakyRelu: (x) => leakyRelu(x),
  elu: (x) => elu(x),
  gelu: (x) => gelu(x),
};

export const ACTIVATION_NAMES = Object.keys(FUNCTIONS) as readonly ActivationName[];

/** Whether the fused dense kernel applies this activation itself (the rest run as their own op). */
export function isKernelActivation(name: ActivationName): name is KernelActivation {
  return (KERNEL_ACTIVATIONS as readonly string[]).includes(name);
}

/** Throws for a name that is not an activation, naming the ones there are and the likely one. */
export function checkActivation(who: string, name: unknown): ActivationName {
  if (typeof name === 'string' && Object.hasOwn(FUNCTIONS, name)) return name as ActivationName;
  const hint = typeof name === 'string' ? closestOption(name, ACTIVATION_NAMES) : null;
  throw new Error(
    `${who}: unknown activation ${typeof name === 'string' ? `'${name}'` : String(name)}; use one of ${ACTIVATION_NAMES.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`,
  );
}

export function applyActivation(name: ActivationName, x: Tensor): Tensor {
  return FUNCTIONS[name](x);
}

/** An activation as its own layer (Keras's Activation), shape-preserving and parameter-free. */
export class ActivationLayer extends Module {
  readonly activation: ActivationName;

  constructor(activation: ActivationName, options: LayerOptions = {}) {
    // new.target names the class the user wrote: ReLU, not Activation.
    const who = new.target.name === 'ActivationLayer' ? 'Activation' : new.target.name;
    super(checkOptions(who, options, LAYER_OPTIONS).name);
    this.activation = checkActivation('Activation', activation);
  }

  get className(): string {
    return 'Activation';
  }

  forward(x: Tensor): Tensor {
    return applyActivation(this.activation, x);
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
