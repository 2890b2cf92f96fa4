import { saveModelAs } from '../io/save.js';
import { checkOptions, knownOptions } from '../options.js';
import type { Callback, Logs } from './callbacks.js';
import type { Model } from './model.js';
import { improves, type MonitorMode, monitoredValue, monitorMode } from './monitor.js';

export interface ModelCheckpointOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** 'auto' takes 'max' for accuracy, auc, precision, recall, f1, r2 and 'min' otherwise. */
  mode?: MonitorMode;
  /** Save only when the monitored value improves on the best so far. Default false (every epoch). */
  saveBestOnly?: boolean;
  /** With saveBestOnly: the value to beat before anything is saved. */
  initialValueThreshold?: number;
  /** Stored with each save (saveModel's option), e.g. the data layer's pipeline. */
  preprocessing?: unknown;
  /** Stored with each save, next to `checkpoint` (the epoch, the monitored value, the logs). */
  metadata?: Record<string, unknown>;
}

const CHECKPOINT_OPTIONS = knownOptions<ModelCheckpointOptions>({
  monitor: true,
  mode: true,
  saveBestOnly: true,
  initialValueThreshold: true,
  preprocessing: true,
  metadata: true,
});

/**
 * Saves the model (saveModel's folder format) at the end of epochs, as Keras's ModelCheckpoint:
 * every epoch, or with saveBestOnly only when the monitored value improves. The folder may name
 * the epoch and logged values in Keras's style, 'runs/ckpt-{epoch:02d}-{val_loss:.3f}' (epochs
 * counted from 1 there, as Keras does); without placeholders each save replaces the last.
 */
export class ModelCheckpoint implements Callback {
  readonly path: string;
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBestOnly: boolean;
  private readonly threshold: number;
  private readonly preprocessing: unknown;
  private readonly metadata: Record<string, unknown>;
  best = Number.NaN;
  /** The epoch (0-based) of the last save, or -1. */
  bestEpoch = -1;
  /** The folder of the last save, or null. */
  lastSaved: string | null = null;
  private model: Model | null = null;

  constructor(path: string, options: ModelCheckpointOptions = {}) {
    checkOptions('ModelCheckpoint', options, CHECKPOINT_OPTIONS);
    if (typeof path !== 'string' || path === '') {
      throw new Error(`ModelCheckpoint: path must be a folder name, got ${String(path)}`);
    }
    formatPath(path, { epoch: 1 }, true);
    this.path = path;
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = monitorMode('ModelCheckpoint', this.monitor, options.mode ?? 'auto');
    this.saveBestOnly = options.saveBestOnly ?? false;
    const t = options.initialValueThreshold;
    if (t !== undefined && !Number.isFinite(t)) {
      throw new Error(`ModelCheckpoint: initialValueThreshold must be a finite number, got ${t}`);
    }
    this.threshold = t ?? Number.NaN;
    this.preprocessing = options.preprocessing;
    this.metadata = options.metadata ?? {};
  }

  setModel(model: Model): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.best = this.threshold;
    this.bestEpoch = -1;
    this.lastSaved = null;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.model) return;
    let value: number | null = null;
    if (this.saveBestOnly) {
      value = monitoredValue('ModelCheckpoint', this.monitor, logs);
      if (!improves(this.mode, value, this.best, 0)) return;
      this.best = value;
    } else if (logs[this.monitor] !== undefined) {
      value = logs[this.monitor];
    }
    const dir = formatPath(this.path, { ...logs, epoch: epoch + 1 }, false);
    saveModelAs('ModelCheckpoint', dir, this.model, {
      preprocessing: this.preprocessing,
      metadata: {
        ...this.metadata,
        checkpoint: {
          epoch: epoch + 1,
          monitor: this.monitor,
          value: value !== null && Number.isFinite(value) ? value : null,
          logs: Object.fromEntries(Object.entries(logs).filter(([, v]) => Number.isFinite(v))),
        },
      },
    });
    this.bestEpoch = epoch;
    this.lastSaved = dir;
  }
}

/**
 * Fills Keras-style placeholders: {name}, {name:02d} (an integer, zero-padded), {name:.4f} (fixed
 * decimals). `check` only validates the placeholders' forms.
 */
function formatPath(path: string, values: Record<string, number>, check: boolean): string {
  return path.replace(/\{([A-Za-z_][\w]*)(?::([^}]*))?\}/g, (_all, key: string, spec: string | undefined) => {
    const int = spec === undefined ? null : /^0?(\d*)d$/.exec(spec);
    const fixed = spec === undefined ? null : /^\.(\d+)f$/.exec(spec);
    if (spec !== undefined && !int && !fixed) {
      throw new Error(
        `ModelCheckpoint: placeholder {${key}:${spec}} has a format this path cannot take; use {${key}}, {${key}:02d} or {${key}:.4f}`,
      );
    }
    if (check) return '';
    const v = values[key];
    if (v === undefined) {
      throw new Error(
        `ModelCheckpoint: the path names {${key}}, which is not in the epoch logs (epoch, ${Object.keys(
          values,
        )
          .filter((k) => k !== 'epoch')
          .join(', ')})`,
      );
    }
    if (int) return String(Math.round(v)).padStart(Number(int[1] || 0), '0');
    if (fixed) return v.toFixed(Number(fixed[1]));
    return String(v);
  });
}
