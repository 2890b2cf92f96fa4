import type { Logs } from './callbacks.js';

/** The direction of a monitored quantity: 'auto' reads it from the name. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Names of quantities that improve upwards (accuracy, AUC, precision, recall, F1, R^2). */
const MAXIMIZED = /(acc|accuracy|auc|precision|recall|f1|F1|r2)$/;

/** 'min' or 'max' for a monitored name; 'auto' takes 'max' for the names above, 'min' for the rest. */
export function monitorMode(who: string, monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new Error(`${who}: mode must be 'auto', 'min' or 'max', got '${String(mode)}'`);
  }
  if (typeof monitor !== 'string' || monitor === '') {
    throw new Error(
      `${who}: monitor must be the name of a logged value such as 'val_loss', got ${String(monitor)}`,
    );
  }
  return mode === 'auto' ? (MAXIMIZED.test(monitor) ? 'max' : 'min') : mode;
}

/** Whether `value` beats `best` by more than minDelta in the given direction (NaN best: always). */
export function improves(mode: 'min' | 'max', value: number, best: number, minDelta: number): boolean {
  if (Number.isNaN(best)) return !Number.isNaN(value);
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}

/** The monitored value of an epoch, or an error naming what the logs do hold. */
export function monitoredValue(who: string, monitor: string, logs: Logs): number {
  const value = logs[monitor];
  if (value === undefined) {
    throw new Error(
      `${who}: '${monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')}); pass validation data or monitor another value`,
    );
  }
  return value;
}

/** A non-negative integer option, or an error with its value. */
export function countOption(who: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`${who}: ${what} must be a non-negative integer, got ${v}`);
  return v;
}
