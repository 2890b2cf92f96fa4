/**
 * The recipe `tensorgrad train` uses when given only --data and --label: one set of defaults for
 * every table and task, chosen on validation rows of the bundled data sets (bench/quality.ts) and
 * reported on seeds never used to choose them.
 */
import { SEED_NETWORK } from './architectures.js';
import type { Balance, TabularOptions } from './train.js';

export const TRAIN_DEFAULTS = {
  epochs: 'auto' as number | 'auto',
  patience: 20,
  ensemble: 'auto' as number | 'auto',
  batchSize: 32,
  seed: 42,
  hidden: SEED_NETWORK.hidden,
  dropout: 0.2,
  learningRate: SEED_NETWORK.learningRate,
  balance: 'none' as Balance,
  test: 0.2,
  validation: 0.15,
};

/** The options of a `tensorgrad train --data FILE --label COL [--seed N]` run. */
export function recipeOptions(o: { label: string; seed?: number }): TabularOptions & typeof TRAIN_DEFAULTS {
  const d = TRAIN_DEFAULTS;
  return {
    ...d,
    label: o.label,
    seed: o.seed ?? d.seed,
    network: { hidden: d.hidden, dropout: d.dropout, learningRate: d.learningRate },
  };
}
