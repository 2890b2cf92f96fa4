import { checkInputs } from './check.js';
import {
  accuracyOf,
  type ConfusionMatrix,
  confusionMatrix,
  f1Of,
  precisionOf,
  recallOf,
} from './confusion.js';
import { logLoss } from './logLoss.js';
import { averagePrecision, rocAuc } from './ranking.js';

export interface ClassificationReport {
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** null when the rows hold only one class (the ranking metrics are undefined then). */
  rocAuc: number | null;
  prAuc: number | null;
  logLoss: number;
  confusion: ConfusionMatrix;
}

/** Every metric at once, e.g. for metrics.json. */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = 0.5,
): ClassificationReport {
  checkInputs('classificationReport', yTrue, yProb);
  const confusion = confusionMatrix(yTrue, yProb, threshold);
  const bothClasses = confusion.tp + confusion.fn > 0 && confusion.tn + confusion.fp > 0;
  return {
    threshold,
    accuracy: accuracyOf(confusion),
    precision: precisionOf(confusion),
    recall: recallOf(confusion),
    f1: f1Of(confusion),
    rocAuc: bothClasses ? rocAuc(yTrue, yProb) : null,
    prAuc: bothClasses ? averagePrecision(yTrue, yProb) : null,
    logLoss: logLoss(yTrue, yProb),
    confusion,
  };
}
