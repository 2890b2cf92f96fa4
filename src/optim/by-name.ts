import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

/** Optimizers compile takes by name, each with Keras's defaults (as new Adam() etc.). */
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop' | 'adamw';

const BY_NAME: Record<OptimizerName, () => Optimizer> = {
  adam: () => new Adam(),
  sgd: () => new SGD(),
  rmsprop: () => new RMSprop(),
  adamw: () => new AdamW(),
};

/** A fresh optimizer for a name; case does not matter ('Adam', 'RMSprop'). */
export function optimizerFromName(who: string, name: string): Optimizer {
  const make = BY_NAME[name.toLowerCase() as OptimizerName];
  if (!make) {
    throw new Error(
      `${who}: unknown optimizer '${name}'; use ${Object.keys(BY_NAME)
        .map((n) => `'${n}'`)
        .join(', ')} (Keras's defaults) or an Optimizer such as new Adam({ learningRate: 0.01 })`,
    );
  }
  return make();
}
