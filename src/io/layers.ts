import { ACTIVATION_NAMES, ActivationLayer, type ActivationName } from '../nn/activation.js';
import { DENSE_ACTIVATIONS, Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import { KERNEL_INITIALIZERS } from '../nn/initializers.js';
import type { LayerConfig, Module } from '../nn/module.js';
import { BatchNormalization, LayerNormalization } from '../nn/normalization.js';
import { Softmax } from '../nn/softmax.js';

const LAYER_TYPES = ['Dense', 'Dropout', 'Activation', 'Softmax', 'BatchNormalization', 'LayerNormalization'];

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
    default:
      return new Softmax({ name });
  }
}
