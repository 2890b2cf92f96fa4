import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import { Model } from '../training/model.js';

export interface NetworkSpec {
  /** Units of each hidden ReLU layer. */
  hidden: number[];
  /** Dropout rate after each hidden layer (0 = none). */
  dropout: number;
  learningRate: number;
}

/** The paper's section 5 network: Dense(64, relu) -> Dropout(0.5) -> Dense(32, relu) -> Dropout(0.5) -> Dense(1, sigmoid). */
export const SEED_NETWORK: NetworkSpec = { hidden: [64, 32], dropout: 0.5, learningRate: 0.001 };

/** A binary classifier: hidden ReLU layers with dropout, a sigmoid output, Adam and binary cross-entropy. */
export function binaryClassifier(spec: NetworkSpec, seed: number): Model {
  const layers: Module[] = [];
  for (const units of spec.hidden) {
    layers.push(new Dense(units, { activation: 'relu' }));
    if (spec.dropout > 0) layers.push(new Dropout(spec.dropout));
  }
  layers.push(new Dense(1, { activation: 'sigmoid' }));
  const model = new Model(layers, { seed });
  model.compile({
    optimizer: new Adam({ learningRate: spec.learningRate }),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** Logistic regression is the same engine with no hidden layer: sigmoid(x w + b). */
export function logisticRegression(seed: number, learningRate = 0.01): Model {
  return binaryClassifier({ hidden: [], dropout: 0, learningRate }, seed);
}
