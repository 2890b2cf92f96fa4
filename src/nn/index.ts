export { ACTIVATION_NAMES, ActivationLayer, type ActivationName, ReLU, Sigmoid, Tanh } from './activation.js';
export { DENSE_ACTIVATIONS, Dense, type DenseOptions } from './dense.js';
export { Dropout } from './dropout.js';
export { initKernel, KERNEL_INITIALIZERS, type KernelInitializer } from './initializers.js';
export { type BuildContext, type LayerConfig, type LayerOptions, Module } from './module.js';
export {
  BatchNormalization,
  type BatchNormalizationOptions,
  LayerNormalization,
  type LayerNormalizationOptions,
} from './normalization.js';
export { Sequential, type SequentialOptions } from './sequential.js';
export { Softmax } from './softmax.js';
