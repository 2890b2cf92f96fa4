import { accuracy, f1, logLoss, prAuc, precision, recall, rocAuc } from '../metrics/index.js';

/** A metric on true labels and predicted probabilities (or values, for regression). */
export type MetricFn = (yTrue: ArrayLike<number>, yProb: ArrayLike<number>, threshold?: number) => number;
export type MetricSpec = string | { name: string; fn: MetricFn };

export type Task = 'binary' | 'categorical' | 'regression';

export interface ResolvedMetric {
  name: string;
  /** Called with flat [rows * width] targets and scores. */
  fn: (yTrue: ArrayLike<number>, yScore: ArrayLike<number>, width: number, threshold: number) => number;
}

const BINARY: Record<string, MetricFn> = {
  accuracy,
  acc: accuracy,
  precision,
  recall,
  f1,
  auc: rocAuc,
  rocAuc,
  prAuc,
  logLoss,
};

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

export function argmax(a: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (a[offset + j] > a[offset + best]) best = j;
  return best;
}

export function resolveMetric(spec: MetricSpec, task: Task): ResolvedMetric {
  if (typeof spec !== 'string') {
    if (typeof spec?.fn !== 'function' || typeof spec.name !== 'string') {
      throw new Error(
        'compile: a custom metric must be { name: string, fn: (yTrue, yProb, threshold) => number }',
      );
    }
    return { name: spec.name, fn: (y, p, _w, t) => spec.fn(y, p, t) };
  }
  if (task === 'binary') {
    const fn = BINARY[spec];
    if (!fn)
      throw new Error(`compile: unknown metric '${spec}'; use one of ${Object.keys(BINARY).join(', ')}`);
    return { name: spec, fn: (y, p, _w, t) => fn(y, p, t) };
  }
  if (task === 'categorical') {
    if (spec === 'accuracy' || spec === 'acc')
      return { name: spec, fn: (y, p, w) => categoricalAccuracy(y, p, w) };
    throw new Error(`compile: metric '${spec}' is not available for categorical losses; use 'accuracy'`);
  }
  if (spec === 'mae') return { name: spec, fn: (y, p) => meanAbsoluteError(y, p) };
  if (spec === 'mse') return { name: spec, fn: (y, p) => meanSquaredError(y, p) };
  throw new Error(`compile: metric '${spec}' is not available for regression; use 'mae' or 'mse'`);
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
