import type { CsvTable } from '../data/csv.js';
import { Preprocessor } from '../data/preprocess.js';
import { loadModel } from '../io/save.js';
import type { Model } from '../training/model.js';

export interface TrainedClassifier {
  model: Model;
  preprocessor: Preprocessor;
  threshold: number;
  metadata: Record<string, unknown>;
}

/** A run folder written by `tensorgrad train --out DIR`: the model, its preprocessing and threshold. */
export function loadClassifier(dir: string): TrainedClassifier {
  const { model, preprocessing, metadata } = loadModel(dir);
  if (preprocessing === null || preprocessing === undefined) {
    throw new Error(
      `${dir}: this model was saved without its preprocessing; train it with 'tensorgrad train'`,
    );
  }
  const threshold = typeof metadata.threshold === 'number' ? metadata.threshold : 0.5;
  return { model, preprocessor: Preprocessor.fromJSON(preprocessing), threshold, metadata };
}

/** Probabilities for every row of the table, with labels when the table has the label column. */
export function score(classifier: TrainedClassifier, table: CsvTable, withLabels: boolean) {
  const t = classifier.preprocessor.transform(table, { labels: withLabels });
  const probs = classifier.model.predict({ data: t.x, shape: [t.rows, t.features] }).data;
  return { probs, labels: t.y };
}
