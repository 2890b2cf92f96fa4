import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import type { Module } from '../nn/module.js';
import { Softmax } from '../nn/softmax.js';
import { bce, bceWithLogits, mse, softmaxCrossEntropy } from '../ops/losses.js';
import type { Tensor } from '../tensor.js';
import type { Task } from './metrics.js';

export type LossName =
  | 'binaryCrossentropy'
  | 'binary_crossentropy'
  | 'bce'
  | 'bceWithLogits'
  | 'mse'
  | 'meanSquaredError'
  | 'mean_squared_error'
  | 'categoricalCrossentropy'
  | 'categorical_crossentropy'
  | 'softmaxCrossEntropy';

/**
 * How the loss meets the network's last layer.
 * - 'sigmoidLogits': BCE after a sigmoid. The last sigmoid is skipped in training and the loss is
 *   bceWithLogits on the logits: the same value and gradient as Keras's clipped BCE wherever the
 *   probability lies inside Keras's clip range [1e-7, 1 - 1e-7] (|logit| < 16.1), stable outside
 *   it, and one fused op instead of two. (tf.keras does the same: its BCE reads the logits behind
 *   a sigmoid output.)
 * - 'softmaxLogits': categorical cross-entropy after a Softmax layer, fused the same way.
 * - 'logits': the model outputs logits (bceWithLogits, softmaxCrossEntropy).
 * - 'plain': the loss takes the model's output as it is.
 */
export type Head = 'sigmoidLogits' | 'softmaxLogits' | 'logits' | 'plain';

export interface ResolvedLoss {
  name: string;
  task: Task;
  head: Head;
  /** Mean loss of a batch; `weight` holds per-row weights (class weights). */
  compute(input: Tensor, target: Tensor, weight?: Tensor): Tensor;
}

function endsInSigmoid(layer: Module): boolean {
  return (
    (layer instanceof Dense && layer.activation === 'sigmoid') ||
    (layer instanceof ActivationLayer && layer.activation === 'sigmoid')
  );
}

export function resolveLoss(name: LossName, last: Module): ResolvedLoss {
  switch (name) {
    case 'binaryCrossentropy':
    case 'binary_crossentropy':
    case 'bce':
      if (endsInSigmoid(last)) {
        return {
          name,
          task: 'binary',
          head: 'sigmoidLogits',
          compute: (z, y, w) => bceWithLogits(z, y, { weight: w }),
        };
      }
      return { name, task: 'binary', head: 'plain', compute: (p, y, w) => bce(p, y, { weight: w }) };
    case 'bceWithLogits':
      return {
        name,
        task: 'binary',
        head: 'logits',
        compute: (z, y, w) => bceWithLogits(z, y, { weight: w }),
      };
    case 'mse':
    case 'meanSquaredError':
    case 'mean_squared_error':
      return { name, task: 'regression', head: 'plain', compute: (p, y, w) => mse(p, y, { weight: w }) };
    case 'categoricalCrossentropy':
    case 'categorical_crossentropy':
      if (!(last instanceof Softmax)) {
        throw new Error(
          `compile: '${name}' expects the model to end in a Softmax layer (it ends in ${last.className}); for logits use 'softmaxCrossEntropy'`,
        );
      }
      return { name, task: 'categorical', head: 'softmaxLogits', compute: noWeights(name) };
    case 'softmaxCrossEntropy':
      return { name, task: 'categorical', head: 'logits', compute: noWeights(name) };
    default:
      throw new Error(
        `compile: unknown loss '${name as string}'; use binaryCrossentropy, bceWithLogits, mse, categoricalCrossentropy or softmaxCrossEntropy`,
      );
  }
}

function noWeights(name: string): ResolvedLoss['compute'] {
  return (z, y, w) => {
    if (w) throw new Error(`fit: classWeight is not supported with '${name}' yet`);
    return softmaxCrossEntropy(z, y);
  };
}
