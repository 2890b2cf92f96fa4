import type { Model } from './model.js';

/** Epoch or batch results by name: loss, accuracy, val_loss, ... */
export type Logs = Record<string, number>;

/**
 * Hooks fit calls, as in Keras. Epochs and batches are numbered from 0. A callback can stop
 * training by setting `model.stopTraining = true`.
 */
export interface Callback {
  setModel?(model: Model): void;
  onTrainBegin?(logs: Logs): void;
  onTrainEnd?(logs: Logs): void;
  onEpochBegin?(epoch: number, logs: Logs): void;
  onEpochEnd?(epoch: number, logs: Logs): void;
  onBatchBegin?(batch: number, logs: Logs): void;
  /** logs hold the running (epoch-so-far) loss and accuracy, plus `size` of the batch. */
  onBatchEnd?(batch: number, logs: Logs): void;
}
