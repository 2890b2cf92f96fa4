import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { BatchNormalization, LayerNormalization } from '../nn/normalization.js';
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
function kerasLayers(layer: Module, first: boolean, inputDim: number): KerasLayer[] {
  const common = { name: layer.name, trainable: true, dtype: 'float32' };
  const input = first ? { batch_input_shape: [null, inputDim] } : {};
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
  const inputDim = net.inputDim;
  const layers = net.layers.flatMap((l, i) => kerasLayers(l, i === 0, inputDim));
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
