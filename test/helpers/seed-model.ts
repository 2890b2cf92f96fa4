import { Adam, Dense, Dropout, type MetricSpec, Model, type Module, Sequential } from '../../src/index.js';

/**
 * The seed paper's section 5 layers: Dense(64, relu) -> Dropout(0.5) -> Dense(32, relu) ->
 * Dropout(0.5) -> Dense(1, sigmoid), with the input width on the first layer when given.
 * (The CLI builds the same network with src/tabular/architectures.ts.)
 */
export function seedLayers(inputDim?: number): Module[] {
  return [
    new Dense(64, { activation: 'relu', inputDim }),
    new Dropout(0.5),
    new Dense(32, { activation: 'relu' }),
    new Dropout(0.5),
    new Dense(1, { activation: 'sigmoid' }),
  ];
}

/** The seed network as a Sequential, built for 10 features. */
export function seedNetwork(seed = 1): Sequential {
  return new Sequential(seedLayers(10), { seed });
}

export interface SeedModelOptions {
  seed?: number;
  /** Features the first layer declares (built at once); null leaves building to build / fit. Default 10. */
  inputDim?: number | null;
  /** Adam's learning rate; null leaves the model uncompiled. Default 0.001, as in the paper. */
  lr?: number | null;
  /** Default accuracy and AUC. */
  metrics?: MetricSpec[];
}

/** The seed model, compiled with Adam and binary cross-entropy unless lr is null. */
export function seedModel(options: SeedModelOptions = {}): Model {
  const { seed = 1, inputDim = 10, lr = 0.001, metrics = ['accuracy', 'auc'] } = options;
  const model = new Model(seedLayers(inputDim ?? undefined), { seed });
  if (lr !== null) model.compile({ optimizer: new Adam({ lr }), loss: 'binaryCrossentropy', metrics });
  return model;
}
