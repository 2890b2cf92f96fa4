export { ACTIVATION_NAMES, ActivationLayer, type ActivationName, ReLU, Sigmoid, Tanh } from './activation.js';
export { Conv1D, type Conv1DOptions } from './conv1d.js';
export { DENSE_ACTIVATIONS, Dense, type DenseOptions } from './dense.js';
export { Dropout } from './dropout.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { FeatureEmbedding, type FeatureEmbeddingOptions } from './feature-embedding.js';
export { gradcheckLayer, type LayerGradcheckOptions } from './gradcheck-layer.js';
export {
  initKernel,
  initOrthogonal,
  initUniform,
  KERNEL_INITIALIZERS,
  type KernelInitializer,
} from './initializers.js';
export { Masking, type MaskingOptions } from './masking.js';
export {
  type BuildContext,
  type LayerConfig,
  type LayerOptions,
  type MaskedOutput,
  Module,
} from './module.js';
export {
  BatchNormalization,
  type BatchNormalizationOptions,
  LayerNormalization,
  type LayerNormalizationOptions,
} from './normalization.js';
export { GlobalAveragePooling1D, GlobalMaxPooling1D } from './pooling.js';
export {
  type ActivationQuantization,
  QuantizedDense,
  type QuantizedDenseOptions,
} from './quantized-dense.js';
export {
  GRU,
  type GruLayerOptions,
  LSTM,
  type LstmLayerOptions,
  RECURRENT_INITIALIZERS,
  type RecurrentInitializer,
  type RecurrentLayerOptions,
  SimpleRNN,
} from './recurrent.js';
export { Sequential, type SequentialOptions } from './sequential.js';
export { Softmax } from './softmax.js';
