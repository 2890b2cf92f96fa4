import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ActivationLayer } from '../nn/activation.js';
import { Conv1D } from '../nn/conv1d.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { Masking } from '../nn/masking.js';
import type { Module } from '../nn/module.js';
import { BatchNormalization, LayerNormalization } from '../nn/normalization.js';
import { GlobalAveragePooling1D, GlobalMaxPooling1D } from '../nn/pooling.js';
import { GRU, LSTM, SimpleRNN } from '../nn/recurrent.js';
import { Softmax } from '../nn/softmax.js';
import { LEAKY_RELU_SLOPE } from '../ops/activations.js';
import type { Model } from '../training/model.js';
import { writeFileAtomic } from './atomic.js';

const KERAS_INITIALIZER = { glorotUniform: 'GlorotUniform', heNormal: 'HeNormal', heUniform: 'HeUniform' };

export interface TfjsArtifacts {
  /** The model.json document (format 'layers-model'). */
  modelJson: {
    format: 'layers-model';
    generatedBy: string;
    convertedBy: null;
    modelTopology: Record<string, unknown>;
    weightsManifest: Array<{
      paths: string[];
      weights: Array<{ name: string; shape: number[]; dtype: 'float32' }>;
    }>;
  };
  /** The weights.bin bytes: every weight, float32 little-endian, in manifest order. */
  weightData: Uint8Array;
}

/** Keras's names of the activations (TF.js reads these). */
const KERAS_ACTIVATION: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  hardSigmoid: 'hard_sigmoid',
};

const NO_EXTRAS = {
  kernel_regularizer: null,
  recurrent_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  recurrent_constraint: null,
  bias_constraint: null,
};

/** A recurrent layer's Keras config (TF.js has GRU only with reset_after false: refused otherwise). */
function recurrentConfig(layer: SimpleRNN | GRU | LSTM): Record<string, unknown> {
  if (layer instanceof GRU && layer.resetAfter) {
    throw new Error(
      `exportTfjs: GRU '${layer.name}' has resetAfter: true (Keras 2's GRU, with a separate recurrent bias), which TF.js's GRU does not implement; build it with resetAfter: false to export it to TF.js`,
    );
  }
  return {
    units: layer.units,
    activation: KERAS_ACTIVATION[layer.activation],
    ...(layer instanceof SimpleRNN
      ? {}
      : { recurrent_activation: KERAS_ACTIVATION[layer.recurrentActivation] }),
    use_bias: layer.useBias,
    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    recurrent_initializer:
      layer.recurrentInitializer === 'orthogonal'
        ? { class_name: 'Orthogonal', config: { gain: 1, seed: null } }
        : { class_name: 'GlorotUniform', config: { seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    ...(layer instanceof LSTM ? { unit_forget_bias: layer.unitForgetBias } : {}),
    ...(layer instanceof GRU ? { reset_after: false } : {}),
    ...NO_EXTRAS,
    dropout: 0,
    recurrent_dropout: 0,
    implementation: 1,
    return_sequences: layer.returnSequences,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
  };
}

/** The sequence layers' Keras class and config, or null for a layer of rows. */
function sequenceLayer(layer: Module): [string, Record<string, unknown>] | null {
  if (layer instanceof Embedding) {
    return [
      'Embedding',
      {
        input_dim: layer.vocabulary,
        output_dim: layer.units,
        embeddings_initializer: {
          class_name: 'RandomUniform',
          config: { minval: -layer.initialRange, maxval: layer.initialRange, seed: null },
        },
        embeddings_regularizer: null,
        activity_regularizer: null,
        embeddings_constraint: null,
        mask_zero: layer.maskZero,
        input_length: layer.inputLength,
      },
    ];
  }
  if (layer instanceof SimpleRNN || layer instanceof GRU || layer instanceof LSTM) {
    return [layer.className, recurrentConfig(layer)];
  }
  if (layer instanceof Conv1D) {
    if (layer.padding === 'causal') {
      throw new Error(
        `exportTfjs: Conv1D '${layer.name}' has padding 'causal', which TF.js's Conv1D does not implement; use 'same' or 'valid' to export it`,
      );
    }
    return [
      'Conv1D',
      {
        filters: layer.filters,
        kernel_size: [layer.kernelSize],
        strides: [layer.strides],
        padding: layer.padding,
        data_format: 'channels_last',
        dilation_rate: [layer.dilationRate],
        activation: KERAS_ACTIVATION[layer.activation],
        use_bias: layer.useBias,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        ...NO_EXTRAS,
      },
    ];
  }
  if (layer instanceof GlobalAveragePooling1D || layer instanceof GlobalMaxPooling1D)
    return [layer.className, {}];
  if (layer instanceof Masking) return ['Masking', { mask_value: layer.maskValue }];
  return null;
}

/**
 * TF.js's Conv1D and global pooling refuse a mask of padded steps (tensorgrad's honour it), so a
 * model in which a mask reaches one of them has no TF.js twin: the first such layer is named.
 */
function checkMasks(layers: readonly Module[]): void {
  let masked: Module | null = null;
  for (const layer of layers) {
    if (layer instanceof Embedding) masked = layer.maskZero ? layer : null;
    else if (layer instanceof Masking) masked = layer;
    else if (
      masked !== null &&
      (layer instanceof Conv1D ||
        layer instanceof GlobalAveragePooling1D ||
        layer instanceof GlobalMaxPooling1D)
    ) {
      throw new Error(
        `exportTfjs: ${layer.className} '${layer.name}' receives the mask of padded steps made by ${masked.className} '${masked.name}'; tensorgrad leaves masked steps out there, but TF.js's ${layer.className} does not take a mask, so the exported model would compute something else. Export a model without maskZero / Masking before it`,
      );
    } else if (
      (layer instanceof SimpleRNN || layer instanceof GRU || layer instanceof LSTM) &&
      !layer.returnSequences
    ) {
      masked = null;
    }
  }
}

/**
 * TF.js has no 'leakyRelu' activation name: a leaky ReLU becomes its LeakyReLU layer, with the
 * slope of Keras's leaky_relu activation (0.2).
 */
function leakyReluLayer(name: string, input: object): KerasLayer {
  return {
    class_name: 'LeakyReLU',
    config: { name, trainable: true, dtype: 'float32', ...input, alpha: LEAKY_RELU_SLOPE },
  };
}

type KerasLayer = { class_name: string; config: Record<string, unknown> };

/** The TF.js layers of one of ours (a Dense with a leaky ReLU is two: Dense, then LeakyReLU). */
function kerasLayers(layer: Module, first: boolean, inputShape: readonly number[]): KerasLayer[] {
  const common = { name: layer.name, trainable: true, dtype: 'float32' };
  const input = first ? { batch_input_shape: [null, ...inputShape] } : {};
  const sequence = sequenceLayer(layer);
  if (sequence !== null) {
    return [{ class_name: sequence[0], config: { ...common, ...input, ...sequence[1] } }];
  }
  if (layer instanceof Dense) {
    const leaky = layer.activation === 'leakyRelu';
    const dense = {
      class_name: 'Dense',
      config: {
        ...common,
        ...input,
        units: layer.units,
        activation: leaky ? 'linear' : layer.activation,
        use_bias: layer.useBias,
        kernel_initializer: {
          class_name: KERAS_INITIALIZER[layer.kernelInitializer],
          config: { seed: null },
        },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: layer.l2 > 0 ? { class_name: 'L1L2', config: { l1: 0, l2: layer.l2 } } : null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
    };
    return leaky ? [dense, leakyReluLayer(`${layer.name}_leaky_relu`, {})] : [dense];
  }
  if (layer instanceof Dropout) {
    return [
      {
        class_name: 'Dropout',
        config: { ...common, ...input, rate: layer.rate, noise_shape: null, seed: null },
      },
    ];
  }
  if (layer instanceof ActivationLayer) {
    if (layer.activation === 'leakyRelu') return [leakyReluLayer(layer.name, input)];
    return [{ class_name: 'Activation', config: { ...common, ...input, activation: layer.activation } }];
  }
  if (layer instanceof Softmax) {
    return [{ class_name: 'Activation', config: { ...common, ...input, activation: 'softmax' } }];
  }
  if (layer instanceof BatchNormalization || layer instanceof LayerNormalization) {
    const initializer = (name: string) => ({ class_name: name, config: {} });
    const shared = {
      ...common,
      ...input,
      axis: -1,
      epsilon: layer.epsilon,
      center: layer.center,
      scale: layer.scale,
      beta_initializer: initializer('Zeros'),
      gamma_initializer: initializer('Ones'),
      beta_regularizer: null,
      gamma_regularizer: null,
    };
    if (layer instanceof LayerNormalization) return [{ class_name: 'LayerNormalization', config: shared }];
    return [
      {
        class_name: 'BatchNormalization',
        config: {
          ...shared,
          momentum: layer.momentum,
          moving_mean_initializer: initializer('Zeros'),
          moving_variance_initializer: initializer('Ones'),
          beta_constraint: null,
          gamma_constraint: null,
        },
      },
    ];
  }
  throw new Error(`exportTfjs: layer '${layer.name}' (${layer.className}) has no TF.js equivalent`);
}

/** The TF.js layers-format artifacts of a built model (weights as float32). */
export function toTfjs(model: Model): TfjsArtifacts {
  const net = model.network;
  if (net.inputDim === null)
    throw new Error('exportTfjs: the model is not built; fit it or call build(inputDim)');
  const inputShape = net.inputShape ?? [net.inputDim];
  checkMasks(net.layers);
  const layers = net.layers.flatMap((l, i) => kerasLayers(l, i === 0, inputShape));
  const named = net.namedWeights();
  let total = 0;
  for (const [, p] of named) total += p.size;
  const flat = new Float32Array(total);
  let off = 0;
  for (const [, p] of named) {
    flat.set(p.data, off);
    off += p.size;
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'tensorgrad',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: net.name, layers },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: named.map(([name, p]) => ({ name, shape: [...p.shape], dtype: 'float32' as const })),
        },
      ],
    },
    weightData: new Uint8Array(flat.buffer),
  };
}

/** Writes model.json and weights.bin into dir, loadable with tf.loadLayersModel. */
export function exportTfjs(dir: string, model: Model): void {
  const { modelJson, weightData } = toTfjs(model);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'weights.bin'), weightData);
  writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(modelJson, null, 2)}\n`);
}
