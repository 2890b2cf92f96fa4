export { accuracy, f1, precision, recall } from './classification.js';
export {
  accuracyOf,
  type ConfusionMatrix,
  confusionMatrix,
  f1Of,
  precisionOf,
  recallOf,
} from './confusion.js';
export { logLoss } from './logLoss.js';
export { argmaxRows, type ClassReport, type MulticlassReport, multiclassReport } from './multiclass.js';
export { averagePrecision, prAuc, rocAuc } from './ranking.js';
export { type RegressionReport, regressionReport } from './regression.js';
export { type ClassificationReport, classificationReport } from './report.js';
export { type BestThreshold, bestThreshold, type ThresholdMetric } from './threshold.js';
