export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { type OptimizerName, optimizerFromName } from './by-name.js';
export { Optimizer, type OptimizerOptions } from './optimizer.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export {
  CosineDecay,
  type CosineDecayOptions,
  ExponentialDecay,
  type ExponentialDecayOptions,
  LearningRateSchedule,
  PiecewiseConstantDecay,
  type PiecewiseConstantDecayOptions,
} from './schedules.js';
export { SGD, type SGDOptions } from './sgd.js';
