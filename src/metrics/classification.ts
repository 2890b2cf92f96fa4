/**
 * Threshold metrics for the positive class (label 1). Precision, recall and F1 with a zero
 * denominator are 0, not NaN: a model that never predicts "buy" has no precision to speak of.
 */
import { accuracyOf, confusionMatrix, f1Of, precisionOf, recallOf } from './confusion.js';

export function accuracy(yTrue: ArrayLike<number>, yProb: ArrayLike<number>, threshold = 0.5): number {
  return accuracyOf(confusionMatrix(yTrue, yProb, threshold));
}

export function precision(yTrue: ArrayLike<number>, yProb: ArrayLike<number>, threshold = 0.5): number {
  return precisionOf(confusionMatrix(yTrue, yProb, threshold));
}

export function recall(yTrue: ArrayLike<number>, yProb: ArrayLike<number>, threshold = 0.5): number {
  return recallOf(confusionMatrix(yTrue, yProb, threshold));
}

export function f1(yTrue: ArrayLike<number>, yProb: ArrayLike<number>, threshold = 0.5): number {
  return f1Of(confusionMatrix(yTrue, yProb, threshold));
}
