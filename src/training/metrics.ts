import {
  accuracy,
  f1,
  logLoss,
  multiclassReport,
  prAuc,
  precision,
  recall,
  rocAuc,
} from '../metrics/index.js';

/** A metric on true labels and predicted probabilities (or values, for regression). */
export type MetricFn = (yTrue: ArrayLike<number>, yProb: ArrayLike<number>, threshold?: number) => number;
export type MetricSpec = string | { name: string; fn: MetricFn };

/**
 * What the loss trains: binary (one 0/1 column), categorical (one-hot rows), sparseCategorical
 * (one class index per row) or regression.
 */
export type Task = 'binary' | 'categorical' | 'sparseCategorical' | 'regression';

export interface ResolvedMetric {
  name: string;
  /**
   * Called with flat targets (rows x target width: 1 for binary and sparse targets, the class
   * count for one-hot ones) and flat scores (rows x width).
   */
  fn: (yTrue: ArrayLike<number>, yScore: ArrayLike<number>, width: number, threshold: number) => number;
}

type TaskMetric = ResolvedMetric['fn'];

function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / yTrue.length;
}

function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return s / yTrue.length;
}

/** R^2 of each output column, averaged (Keras's R2Score and sklearn's 'uniform_average'). */
function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, width: number): number {
  const rows = yTrue.length / width;
  let total = 0;
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += yTrue[i * width + j];
    mean /= rows;
    let sse = 0;
    let sst = 0;
    for (let i = 0; i < rows; i++) {
      sse += (yTrue[i * width + j] - yPred[i * width + j]) ** 2;
      sst += (yTrue[i * width + j] - mean) ** 2;
    }
    total += sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst;
  }
  return total / width;
}

export function argmax(a: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (a[offset + j] > a[offset + best]) best = j;
  return best;
}

/** Share of rows whose largest score is at the target's largest entry (one-hot targets). */
export function categoricalAccuracy(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  width: number,
): number {
  const rows = yTrue.length / width;
  let hits = 0;
  for (let i = 0; i < rows; i++)
    hits += argmax(yTrue, i * width, width) === argmax(yScore, i * width, width) ? 1 : 0;
  return rows === 0 ? 0 : hits / rows;
}

/** The class index of every row: the target itself (sparse) or its largest entry (one-hot). */
function classIndices(yTrue: ArrayLike<number>, width: number, sparse: boolean): ArrayLike<number> {
  if (sparse) return yTrue;
  const rows = yTrue.length / width;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = argmax(yTrue, i * width, width);
  return out;
}

const classNames = (width: number) => Array.from({ length: width }, (_, i) => String(i));

/** Metrics of a multi-class task, one-hot or sparse targets alike. */
function multiclassMetrics(sparse: boolean): Record<string, TaskMetric> {
  const report = (y: ArrayLike<number>, p: ArrayLike<number>, w: number) =>
    multiclassReport(classIndices(y, w, sparse), p, classNames(w));
  return {
    accuracy: (y, p, w) => {
      const t = classIndices(y, w, sparse);
      let hits = 0;
      for (let i = 0; i < t.length; i++) hits += argmax(p, i * w, w) === t[i] ? 1 : 0;
      return hits / t.length;
    },
    logLoss: (y, p, w) => report(y, p, w).logLoss,
    macroF1: (y, p, w) => report(y, p, w).macroF1,
    weightedF1: (y, p, w) => report(y, p, w).weightedF1,
  };
}

const binaryMetric =
  (fn: MetricFn): TaskMetric =>
  (y, p, _w, t) =>
    fn(y, p, t);

const METRICS: Record<Task, Record<string, TaskMetric>> = {
  binary: {
    accuracy: binaryMetric(accuracy),
    precision: binaryMetric(precision),
    recall: binaryMetric(recall),
    f1: binaryMetric(f1),
    auc: binaryMetric(rocAuc),
    prAuc: binaryMetric(prAuc),
    logLoss: binaryMetric(logLoss),
    mse: (y, p) => meanSquaredError(y, p),
    mae: (y, p) => meanAbsoluteError(y, p),
  },
  categorical: multiclassMetrics(false),
  sparseCategorical: multiclassMetrics(true),
  regression: {
    mse: (y, p) => meanSquaredError(y, p),
    mae: (y, p) => meanAbsoluteError(y, p),
    rmse: (y, p) => Math.sqrt(meanSquaredError(y, p)),
    r2: (y, p, w) => r2Score(y, p, w),
  },
};

/** Other spellings (folded: lower case, no '_' or '-') of the metrics above, Keras's among them. */
const ALIASES: Record<string, string> = {
  acc: 'accuracy',
  binaryaccuracy: 'accuracy',
  categoricalaccuracy: 'accuracy',
  sparsecategoricalaccuracy: 'accuracy',
  f1score: 'f1',
  rocauc: 'auc',
  averageprecision: 'prAuc',
  crossentropy: 'logLoss',
  binarycrossentropy: 'logLoss',
  categoricalcrossentropy: 'logLoss',
  sparsecategoricalcrossentropy: 'logLoss',
  meansquarederror: 'mse',
  meanabsoluteerror: 'mae',
  rootmeansquarederror: 'rmse',
  r2score: 'r2',
};

const fold = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');

const TASK_WORDS: Record<Task, string> = {
  binary: 'binary losses',
  categorical: 'categorical losses',
  sparseCategorical: 'sparse categorical losses',
  regression: 'regression losses',
};

/**
 * A metric by name for the task of the compiled loss. Names fold case, '_' and '-' (so Keras's
 * 'AUC', 'binary_accuracy' or 'mean_absolute_error' work); a metric is logged under the name as
 * given, except that a different case of one of ours ('AUC') is logged as ours ('auc').
 */
export function resolveMetric(spec: MetricSpec, task: Task): ResolvedMetric {
  if (typeof spec !== 'string') {
    if (typeof spec?.fn !== 'function' || typeof spec.name !== 'string') {
      throw new Error(
        'compile: a custom metric must be { name: string, fn: (yTrue, yProb, threshold) => number }',
      );
    }
    return { name: spec.name, fn: (y, p, _w, t) => spec.fn(y, p, t) };
  }
  const table = METRICS[task];
  const folded = fold(spec);
  const key = Object.keys(table).find((k) => fold(k) === folded) ?? ALIASES[folded];
  const fn = key === undefined ? undefined : table[key];
  if (key === undefined || fn === undefined) {
    const elsewhere = (Object.keys(METRICS) as Task[]).filter((t) => {
      const k = Object.keys(METRICS[t]).find((m) => fold(m) === folded) ?? ALIASES[folded];
      return k !== undefined && METRICS[t][k] !== undefined;
    });
    throw new Error(
      `compile: metric '${spec}' is not available for ${TASK_WORDS[task]}; use one of ${Object.keys(table).join(', ')}${
        elsewhere.length > 0 ? ` (it exists for ${elsewhere.map((t) => TASK_WORDS[t]).join(' and ')})` : ''
      }`,
    );
  }
  return { name: fold(key) === folded ? key : spec, fn };
}

/** Runs a metric, giving NaN where it is undefined (e.g. ROC-AUC on rows of one class). */
export function safeMetric(
  m: ResolvedMetric,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  w: number,
  t: number,
): number {
  try {
    return m.fn(y, p, w, t);
  } catch {
    return Number.NaN;
  }
}
