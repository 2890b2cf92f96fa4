import { checkOptions, knownOptions } from '../options.js';
import type { FloatArray } from '../tensor.js';
import type { Callback, Logs } from './callbacks.js';
import type { Model } from './model.js';

export interface EarlyStoppingOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 'auto' takes 'max' for accuracy, auc, precision, recall, f1 and 'min' otherwise. */
  mode?: 'auto' | 'min' | 'max';
  /** Put back the weights of the best epoch when training ends. Default false. */
  restoreBestWeights?: boolean;
}

const EARLY_STOPPING_OPTIONS = knownOptions<EarlyStoppingOptions>({
  monitor: true,
  minDelta: true,
  patience: true,
  mode: true,
  restoreBestWeights: true,
});

const MAXIMIZED = /(acc|accuracy|auc|precision|recall|f1)$/;

/** Stops fit once the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  /** The epoch (0-based) fit stopped after, or null if it ran to the end. */
  stoppedEpoch: number | null = null;
  bestEpoch = -1;
  best = Number.NaN;
  private wait = 0;
  private bestWeights: FloatArray[] | null = null;
  private model: Model | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions('EarlyStopping', options, EARLY_STOPPING_OPTIONS);
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${this.patience}`);
    }
    const mode = options.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
      throw new Error(`EarlyStopping: mode must be 'auto', 'min' or 'max', got '${mode}'`);
    }
    this.mode = mode === 'auto' ? (MAXIMIZED.test(this.monitor) ? 'max' : 'min') : mode;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  setModel(model: Model): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = null;
    this.bestEpoch = -1;
    this.best = Number.NaN;
    this.bestWeights = null;
  }

  private improved(value: number): boolean {
    if (Number.isNaN(this.best)) return true;
    return this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(
        `EarlyStopping: '${this.monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')}); pass validation data or monitor another value`,
      );
    }
    if (this.improved(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) this.bestWeights = this.model.getWeights();
      return;
    }
    this.wait++;
    if (this.wait >= this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model) this.model.setWeights(this.bestWeights);
  }
}
