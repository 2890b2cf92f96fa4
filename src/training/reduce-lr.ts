import { checkOptions, knownOptions } from '../options.js';
import type { Callback, Logs } from './callbacks.js';
import type { Model } from './model.js';
import { countOption, improves, type MonitorMode, monitoredValue, monitorMode } from './monitor.js';

export interface ReduceLROnPlateauOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** new lr = lr * factor, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before the rate is cut. Default 10. */
  patience?: number;
  /** 'auto' takes 'max' for accuracy, auc, precision, recall, f1, r2 and 'min' otherwise. */
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs after a cut during which no further cut is counted. Default 0. */
  cooldown?: number;
  /** The rate is never cut below this. Default 0. */
  minLr?: number;
}

const REDUCE_LR_OPTIONS = knownOptions<ReduceLROnPlateauOptions>({
  monitor: true,
  factor: true,
  patience: true,
  mode: true,
  minDelta: true,
  cooldown: true,
  minLr: true,
});

/**
 * Cuts the optimizer's learning rate by `factor` once the monitored value has not improved for
 * `patience` epochs, as Keras's ReduceLROnPlateau does (same defaults and the same cooldown
 * rule); adds `learning_rate` (the rate the epoch trained with) to the epoch logs.
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  best = Number.NaN;
  /** Every cut: the epoch (0-based) after which it happened, and the new rate. */
  readonly reductions: Array<{ epoch: number; lr: number }> = [];
  private wait = 0;
  private cooldownCounter = 0;
  private model: Model | null = null;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    checkOptions('ReduceLROnPlateau', options, REDUCE_LR_OPTIONS);
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new Error(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    }
    this.patience = countOption('ReduceLROnPlateau', 'patience', options.patience ?? 10);
    this.cooldown = countOption('ReduceLROnPlateau', 'cooldown', options.cooldown ?? 0);
    this.mode = monitorMode('ReduceLROnPlateau', this.monitor, options.mode ?? 'auto');
    this.minDelta = options.minDelta ?? 1e-4;
    this.minLr = options.minLr ?? 0;
    for (const [what, v] of [
      ['minDelta', this.minDelta],
      ['minLr', this.minLr],
    ] as const) {
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new Error(`ReduceLROnPlateau: ${what} must be a finite number >= 0, got ${v}`);
      }
    }
  }

  setModel(model: Model): void {
    this.model = model;
  }

  onTrainBegin(): void {
    const optimizer = this.model?.optimizer;
    if (optimizer?.schedule) {
      throw new Error(
        `ReduceLROnPlateau: the optimizer's learning rate follows a ${optimizer.schedule.name} schedule; give it a number to let ReduceLROnPlateau change it`,
      );
    }
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = Number.NaN;
    this.reductions.length = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = this.model?.optimizer;
    if (!optimizer) return;
    logs.learning_rate = optimizer.lr;
    const value = monitoredValue('ReduceLROnPlateau', this.monitor, logs);
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (improves(this.mode, value, this.best, this.minDelta)) {
      this.best = value;
      this.wait = 0;
      return;
    }
    if (this.cooldownCounter > 0) return;
    this.wait++;
    if (this.wait < this.patience) return;
    // Keras compares in float32: a rate already at minLr (up to rounding) is left alone.
    if (Math.fround(optimizer.lr) > Math.fround(this.minLr)) {
      optimizer.lr = Math.max(optimizer.lr * this.factor, this.minLr);
      this.reductions.push({ epoch, lr: optimizer.lr });
      this.cooldownCounter = this.cooldown;
      this.wait = 0;
    }
  }
}
