/** Metrics of a multi-class classifier: class indices against per-class probabilities. */

export interface ClassReport {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows of this class. */
  support: number;
}

export interface MulticlassReport {
  accuracy: number;
  /** Unweighted mean of the per-class F1 (sklearn's 'macro'). */
  macroF1: number;
  /** Per-class F1 weighted by support (sklearn's 'weighted'). */
  weightedF1: number;
  /** Mean cross-entropy, probabilities clipped to [1e-7, 1] as Keras does. */
  logLoss: number;
  perClass: ClassReport[];
  /** confusion[actual][predicted]: row counts. */
  confusion: number[][];
}

/** The predicted class of each row: the index of its largest probability (ties: the first). */
export function argmaxRows(probs: ArrayLike<number>, classes: number): Int32Array {
  const rows = probs.length / classes;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (probs[i * classes + j] > probs[i * classes + best]) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * Accuracy, macro and weighted F1, per-class precision / recall / F1, log loss and the confusion
 * matrix. `yTrue` holds class indices; `probs` is rows x classes, row-major.
 */
export function multiclassReport(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  names: readonly string[],
): MulticlassReport {
  const k = names.length;
  const rows = yTrue.length;
  if (rows === 0) throw new Error('multiclassReport: empty input');
  if (probs.length !== rows * k) {
    throw new Error(
      `multiclassReport: ${rows} rows of ${k} classes need ${rows * k} probabilities, got ${probs.length}`,
    );
  }
  const predicted = argmaxRows(probs, k);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let hits = 0;
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const t = yTrue[i];
    if (!(Number.isInteger(t) && t >= 0 && t < k)) {
      throw new Error(`multiclassReport: yTrue[${i}] is ${t}, expected a class index in [0, ${k})`);
    }
    confusion[t][predicted[i]]++;
    if (predicted[i] === t) hits++;
    loss -= Math.log(Math.min(1, Math.max(1e-7, probs[i * k + t])));
  }
  const perClass = names.map((name, c) => {
    const tp = confusion[c][c];
    let predictedC = 0;
    let support = 0;
    for (let r = 0; r < k; r++) {
      predictedC += confusion[r][c];
      support += confusion[c][r];
    }
    const precision = predictedC === 0 ? 0 : tp / predictedC;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { name, precision, recall, f1, support };
  });
  // Classes absent from these rows are left out of the macro mean, as sklearn does with labels=None.
  const present = perClass.filter((c) => c.support > 0 || c.precision > 0);
  const macroF1 = present.reduce((s, c) => s + c.f1, 0) / Math.max(present.length, 1);
  const weightedF1 = perClass.reduce((s, c) => s + c.f1 * c.support, 0) / rows;
  return { accuracy: hits / rows, macroF1, weightedF1, logLoss: loss / rows, perClass, confusion };
}
