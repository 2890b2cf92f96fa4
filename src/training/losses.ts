import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import type { Module } from '../nn/module.js';
import { Softmax } from '../nn/softmax.js';
import { bce, bceWithLogits, huber, mae, mse, softmaxCrossEntropy } from '../ops/losses.js';
import type { Tensor } from '../tensor.js';
import type { Task } from './metrics.js';

/** Loss names compile takes: ours in camelCase, and Keras's snake_case spellings of the same. */
export type LossName =
  | 'binaryCrossentropy'
  | 'binary_crossentropy'
  | 'bce'
  | 'bceWithLogits'
  | 'mse'
  | 'meanSquaredError'
  | 'mean_squared_error'
  | 'mae'
  | 'meanAbsoluteError'
  | 'mean_absolute_error'
  | 'huber'
  | 'huber_loss'
  | 'categoricalCrossentropy'
  | 'categorical_crossentropy'
  | 'softmaxCrossEntropy'
  | 'sparseCategoricalCrossentropy'
  | 'sparse_categorical_crossentropy'
  | 'sparseSoftmaxCrossEntropy';

/**
 * How the loss meets the network's last layer.
 * - 'sigmoidLogits': BCE after a sigmoid. The last sigmoid is skipped in training and the loss is
 *   bceWithLogits on the logits: the same value and gradient as Keras's clipped BCE wherever the
 *   probability lies inside Keras's clip range [1e-7, 1 - 1e-7] (|logit| < 16.1), stable outside
 *   it, and one fused op instead of two. (tf.keras does the same: its BCE reads the logits behind
 *   a sigmoid output.)
 * - 'softmaxLogits': categorical cross-entropy after a softmax (a Softmax layer, or a Dense or
 *   Activation layer with activation 'softmax'), fused the same way.
 * - 'logits': the model outputs logits (bceWithLogits, softmaxCrossEntropy).
 * - 'plain': the loss takes the model's output as it is.
 */
export type Head = 'sigmoidLogits' | 'softmaxLogits' | 'logits' | 'plain';

export interface ResolvedLoss {
  /** The canonical name (binaryCrossentropy, mse, sparseCategoricalCrossentropy...). */
  name: string;
  task: Task;
  head: Head;
  /** Mean loss of a batch; `weight` holds per-row weights (class and sample weights). */
  compute(input: Tensor, target: Tensor, weight?: Tensor): Tensor;
}

/** Folded spelling -> canonical name: case, '_' and '-' do not matter (Keras's names fold onto ours). */
const CANONICAL: Record<string, string> = {
  binarycrossentropy: 'binaryCrossentropy',
  bce: 'binaryCrossentropy',
  bcewithlogits: 'bceWithLogits',
  mse: 'mse',
  meansquarederror: 'mse',
  mae: 'mae',
  meanabsoluteerror: 'mae',
  huber: 'huber',
  huberloss: 'huber',
  categoricalcrossentropy: 'categoricalCrossentropy',
  softmaxcrossentropy: 'softmaxCrossEntropy',
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
  sparsesoftmaxcrossentropy: 'sparseSoftmaxCrossEntropy',
};

export const LOSS_NAMES = [...new Set(Object.values(CANONICAL))];

const fold = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');

function endsIn(activation: 'sigmoid' | 'softmax', layer: Module): boolean {
  return (
    ((layer instanceof Dense || layer instanceof ActivationLayer) && layer.activation === activation) ||
    (activation === 'softmax' && layer instanceof Softmax)
  );
}

function describeLast(layer: Module): string {
  if (layer instanceof Dense || layer instanceof ActivationLayer) {
    return `${layer.className} with activation '${layer.activation}'`;
  }
  return layer.className;
}

/** Row weights of shape [n, 1] as the elementwise losses want them: one per element of a 1-column target. */
function elementWeights(
  name: string,
  fn: (p: Tensor, y: Tensor, options: { weight?: Tensor }) => Tensor,
): ResolvedLoss['compute'] {
  return (p, y, w) => {
    if (w && y.shape[1] !== 1) {
      throw new Error(`fit: per-row weights with '${name}' need one target column, got ${y.shape[1]}`);
    }
    return fn(p, y, { weight: w });
  };
}

/** The loss a name stands for, checked against the model's last layer. */
export function resolveLoss(name: LossName, last: Module): ResolvedLoss {
  const canonical = typeof name === 'string' ? CANONICAL[fold(name)] : undefined;
  const needsSoftmax = (logitsName: string) => {
    if (!endsIn('softmax', last)) {
      throw new Error(
        `compile: '${name}' expects the model to end in a softmax (Dense({ activation: 'softmax' }), Softmax or Activation('softmax')); it ends in ${describeLast(last)}. For logits use '${logitsName}'`,
      );
    }
  };
  switch (canonical) {
    case 'binaryCrossentropy':
      if (endsIn('sigmoid', last)) {
        return {
          name: canonical,
          task: 'binary',
          head: 'sigmoidLogits',
          compute: elementWeights(name, bceWithLogits),
        };
      }
      return { name: canonical, task: 'binary', head: 'plain', compute: elementWeights(name, bce) };
    case 'bceWithLogits':
      return {
        name: canonical,
        task: 'binary',
        head: 'logits',
        compute: elementWeights(name, bceWithLogits),
      };
    case 'mse':
      return { name: canonical, task: 'regression', head: 'plain', compute: elementWeights(name, mse) };
    case 'mae':
      return { name: canonical, task: 'regression', head: 'plain', compute: elementWeights(name, mae) };
    case 'huber':
      return { name: canonical, task: 'regression', head: 'plain', compute: elementWeights(name, huber) };
    case 'categoricalCrossentropy':
      needsSoftmax('softmaxCrossEntropy');
      return { name: canonical, task: 'categorical', head: 'softmaxLogits', compute: crossEntropy(false) };
    case 'softmaxCrossEntropy':
      return { name: canonical, task: 'categorical', head: 'logits', compute: crossEntropy(false) };
    case 'sparseCategoricalCrossentropy':
      needsSoftmax('sparseSoftmaxCrossEntropy');
      return {
        name: canonical,
        task: 'sparseCategorical',
        head: 'softmaxLogits',
        compute: crossEntropy(true),
      };
    case 'sparseSoftmaxCrossEntropy':
      return { name: canonical, task: 'sparseCategorical', head: 'logits', compute: crossEntropy(true) };
    default:
      throw new Error(
        `compile: unknown loss ${typeof name === 'string' ? `'${name}'` : String(name)}; use one of ${LOSS_NAMES.join(', ')} (Keras's snake_case spellings work too)`,
      );
  }
}

/** Softmax cross-entropy on logits: one-hot (or soft) [n, C] targets, or [n, 1] class indices. */
function crossEntropy(sparse: boolean): ResolvedLoss['compute'] {
  return (z, y, w) => softmaxCrossEntropy(z, sparse ? y.data : y, { weight: w });
}
