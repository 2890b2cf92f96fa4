import { checkOptions, knownOptions } from '../options.js';
import type { FloatArray } from '../tensor.js';
import type { Callback, Logs } from './callbacks.js';
import type { Model } from './model.js';
import { countOption, improves, type MonitorMode, monitoredValue, monitorMode } from './monitor.js';

export interface EarlyStoppingOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 'auto' takes 'max' for accuracy, auc, precision, recall, f1, r2 and 'min' otherwise. */
  mode?: MonitorMode;
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
    this.patience = countOption('EarlyStopping', 'patience', options.patience ?? 0);
    this.mode = monitorMode('EarlyStopping', this.monitor, options.mode ?? 'auto');
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

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitoredValue('EarlyStopping', this.monitor, logs);
    if (improves(this.mode, value, this.best, this.minDelta)) {
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
