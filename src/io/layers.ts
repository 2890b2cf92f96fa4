import { ActivationLayer, type ActivationName } from '../nn/activation.js';
import { Dense, type DenseOptions } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { LayerConfig, Module } from '../nn/module.js';
import { Softmax } from '../nn/softmax.js';

/** Rebuilds a layer from its config() (the inverse of Module.config). */
export function layerFromConfig(config: LayerConfig, where: string): Module {
  const name = typeof config.name === 'string' ? config.name : undefined;
  switch (config.type) {
    case 'Dense':
      return new Dense(config.units as number, {
        name,
        activation: config.activation as DenseOptions['activation'],
        useBias: config.useBias as boolean,
        kernelInitializer: config.kernelInitializer as DenseOptions['kernelInitializer'],
        l2: (config.l2 as number) ?? 0,
        inputDim: config.inputDim as number | undefined,
      });
    case 'Dropout':
      return new Dropout(config.rate as number, { name });
    case 'Activation':
      return new ActivationLayer(config.activation as ActivationName, { name });
    case 'Softmax':
      return new Softmax({ name });
    default:
      throw new Error(`${where}: unknown layer type '${String(config.type)}' in the saved model`);
  }
}
