import { checkInputs, checkThreshold } from './check.js';

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * Counts at a decision threshold: a row is predicted positive when yProb >= threshold (so hard 0/1
 * predictions also work with the default 0.5).
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = 0.5,
): ConfusionMatrix {
  checkInputs('confusionMatrix', yTrue, yProb);
  checkThreshold('confusionMatrix', threshold);
  const m = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const predicted = yProb[i] >= threshold;
    if (yTrue[i] === 1) predicted ? m.tp++ : m.fn++;
    else predicted ? m.fp++ : m.tn++;
  }
  return m;
}

/** a / b, with 0/0 defined as 0 (sklearn's zero_division=0): no predicted positives, no precision. */
export function safeDivide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function accuracyOf(m: ConfusionMatrix): number {
  return (m.tp + m.tn) / (m.tp + m.tn + m.fp + m.fn);
}

export function precisionOf(m: ConfusionMatrix): number {
  return safeDivide(m.tp, m.tp + m.fp);
}

export function recallOf(m: ConfusionMatrix): number {
  return safeDivide(m.tp, m.tp + m.fn);
}

/** F1 = 2tp / (2tp + fp + fn): the harmonic mean of precision and recall, 0 when tp = 0. */
export function f1Of(m: ConfusionMatrix): number {
  return safeDivide(2 * m.tp, 2 * m.tp + m.fp + m.fn);
}
