import {
  ACTIVATIONS,
  type Activation,
  RECURRENT_ACTIVATIONS,
  type RecurrentActivation,
} from '../kernels/types.js';
import { ACTIVATION_NAMES, ActivationLayer, type ActivationName } from '../nn/activation.js';
import { Conv1D } from '../nn/conv1d.js';
import { DENSE_ACTIVATIONS, Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { FeatureEmbedding } from '../nn/feature-embedding.js';
import { KERNEL_INITIALIZERS } from '../nn/initializers.js';
import { Masking } from '../nn/masking.js';
import type { LayerConfig, Module } from '../nn/module.js';
import { BatchNormalization, LayerNormalization } from '../nn/normalization.js';
import { GlobalAveragePooling1D, GlobalMaxPooling1D } from '../nn/pooling.js';
import { QuantizedDense } from '../nn/quantized-dense.js';
import { GRU, LSTM, RECURRENT_INITIALIZERS, type RecurrentInitializer, SimpleRNN } from '../nn/recurrent.js';
import { Softmax } from '../nn/softmax.js';
import { CONV1D_PADDINGS, type Conv1dPadding } from '../ops/conv1d.js';

/** Every layer type a saved model may hold (what layerFromConfig rebuilds). */
export const LAYER_TYPES: readonly string[] = [
  'Dense',
  'Dropout',
  'Activation',
  'Softmax',
  'BatchNormalization',
  'LayerNormalization',
  'Embedding',
  'FeatureEmbedding',
  'SimpleRNN',
  'GRU',
  'LSTM',
  'Conv1D',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'Masking',
  'QuantizedDense',
];

/**
 * Rebuilds a layer from its config() (the inverse of Module.config). Every key is checked before
 * use, so a config with a missing or mistyped key is refused with its path (`model.layers[2].units`)
 * rather than turned into a layer with a default or a TypeError.
 */
export function layerFromConfig(config: LayerConfig, where: string, path = 'layer'): Module {
  const fail = (key: string, what: string): never => {
    throw new Error(`${where}: key '${path}.${key}' ${what}`);
  };
  const get = (key: string, optional = false): unknown => {
    if (!Object.hasOwn(config, key)) {
      if (optional) return undefined;
      fail(key, `is missing (a ${String(config.type)} layer needs it)`);
    }
    return config[key];
  };
  const str = (key: string, allowed?: readonly string[]): string => {
    const v = get(key);
    if (typeof v !== 'string') fail(key, `must be a string, got ${JSON.stringify(v)}`);
    if (allowed && !allowed.includes(v as string)) {
      fail(key, `must be one of ${allowed.join(', ')}, got '${v}'`);
    }
    return v as string;
  };
  const num = (key: string, optional = false): number | undefined => {
    const v = get(key, optional);
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(key, `must be a finite number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const bool = (key: string): boolean => {
    const v = get(key);
    if (typeof v !== 'boolean') fail(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v as boolean;
  };
  const shape = (key: string): number[] | undefined => {
    const v = get(key, true);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && d > 0)) {
      fail(key, `must be an array of positive integers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  if (!LAYER_TYPES.includes(config.type)) {
    throw new Error(`${where}: unknown layer type '${String(config.type)}' at ${path} in the saved model`);
  }
  const name = str('name');
  switch (config.type) {
    case 'Dense': {
      const useBias = bool('useBias');
      return new Dense(num('units') as number, {
        name,
        activation: str('activation', DENSE_ACTIVATIONS) as Dense['activation'],
        useBias,
        kernelInitializer: str('kernelInitializer', KERNEL_INITIALIZERS) as Dense['kernelInitializer'],
        l2: num('l2', true) ?? 0,
        inputDim: num('inputDim', true),
      });
    }
    case 'Dropout':
      return new Dropout(num('rate') as number, { name });
    case 'QuantizedDense':
      return new QuantizedDense(num('units') as number, {
        name,
        activation: str('activation', DENSE_ACTIVATIONS) as ActivationName,
        input: { scale: num('inputScale') as number, zeroPoint: num('inputZeroPoint') as number },
      });
    case 'Activation':
      return new ActivationLayer(str('activation', ACTIVATION_NAMES) as ActivationName, { name });
    case 'BatchNormalization':
      return new BatchNormalization({
        name,
        momentum: num('momentum'),
        epsilon: num('epsilon'),
        center: bool('center'),
        scale: bool('scale'),
      });
    case 'LayerNormalization':
      return new LayerNormalization({
        name,
        epsilon: num('epsilon'),
        center: bool('center'),
        scale: bool('scale'),
      });
    case 'Softmax':
      return new Softmax({ name });
    case 'Embedding':
      return new Embedding(num('inputDim') as number, num('outputDim') as number, {
        name,
        maskZero: bool('maskZero'),
        initialRange: num('initialRange', true),
        inputLength: num('inputLength', true),
      });
    case 'FeatureEmbedding': {
      const vocabularies = get('vocabularies');
      if (!Array.isArray(vocabularies) || !vocabularies.every((v) => Number.isInteger(v) && v >= 1)) {
        fail('vocabularies', `must be an array of positive integers, got ${JSON.stringify(vocabularies)}`);
      }
      return new FeatureEmbedding(vocabularies as number[], num('numbers') as number, {
        name,
        outputDim: num('outputDim') as number,
        initialRange: num('initialRange', true),
      });
    }
    case 'SimpleRNN':
    case 'GRU':
    case 'LSTM': {
      const common = {
        name,
        activation: str('activation', ACTIVATIONS) as Activation,
        useBias: bool('useBias'),
        returnSequences: bool('returnSequences'),
        recurrentInitializer: str('recurrentInitializer', RECURRENT_INITIALIZERS) as RecurrentInitializer,
        inputShape: shape('inputShape'),
      };
      if (config.type === 'SimpleRNN') return new SimpleRNN(num('units') as number, common);
      const recurrentActivation = str('recurrentActivation', RECURRENT_ACTIVATIONS) as RecurrentActivation;
      if (config.type === 'GRU') {
        return new GRU(num('units') as number, {
          ...common,
          recurrentActivation,
          resetAfter: bool('resetAfter'),
        });
      }
      return new LSTM(num('units') as number, {
        ...common,
        recurrentActivation,
        unitForgetBias: bool('unitForgetBias'),
      });
    }
    case 'Conv1D':
      return new Conv1D(num('filters') as number, num('kernelSize') as number, {
        name,
        strides: num('strides'),
        padding: str('padding', CONV1D_PADDINGS) as Conv1dPadding,
        dilationRate: num('dilationRate'),
        activation: str('activation', ACTIVATIONS) as Activation,
        useBias: bool('useBias'),
        inputShape: shape('inputShape'),
      });
    case 'GlobalAveragePooling1D':
      return new GlobalAveragePooling1D({ name });
    case 'GlobalMaxPooling1D':
      return new GlobalMaxPooling1D({ name });
    default:
      return new Masking({ name, maskValue: num('maskValue'), inputShape: shape('inputShape') });
  }
}
