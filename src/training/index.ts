// Node side effect: fit draws a cli-progress bar on a terminal.
import './terminal-bar.js';

export type { Callback, Logs } from './callbacks.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './checkpoint.js';
export { CSVLogger, type CSVLoggerOptions } from './csv-logger.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { History } from './history.js';
export type { MatrixLike, TargetLike } from './inputs.js';
export type { Head, LossName } from './losses.js';
export type { MetricFn, MetricSpec } from './metrics.js';
export {
  type CompileOptions,
  type EvaluateOptions,
  type FitOptions,
  Model,
  type ModelOptions,
} from './model.js';
export type { MonitorMode } from './monitor.js';
export { formatLogs, formatTiming, type ProgressStream, type Verbosity } from './progress.js';
export {
  kernelSparsity,
  type LayerSparsity,
  MagnitudePruning,
  type MagnitudePruningOptions,
  magnitudeMasks,
  type PolynomialSparsityOptions,
  PRUNING_SCOPES,
  type PruningScope,
  polynomialSparsity,
  prunableLayers,
  pruneByMagnitude,
} from './pruning.js';
export {
  activationQuantization,
  calibratedRange,
  type LayerQuantization,
  modelBytes,
  type QuantizedModel,
  type QuantizeOptions,
  quantizeKernel,
  quantizeModel,
  quantizeRefusal,
} from './quantize.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr.js';
