/**
 * The whole data path in one call, in the order that keeps the test set honest: encode labels,
 * split (stratified, seeded), fit the preprocessing on the TRAINING rows, then transform each part.
 */
import { type CsvTable, selectRows } from './csv.js';
import { encodeLabels, fitLabel } from './label.js';
import { type PreprocessOptions, Preprocessor } from './preprocess.js';
import { type Split, type SplitOptions, stratifiedSplit } from './split.js';

export interface PrepareOptions extends Omit<PreprocessOptions, 'label'>, SplitOptions {
  label: string;
}

export interface PreparedPart {
  /** rows x features, row-major. */
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /** Which rows of the input table these are. */
  indices: Int32Array;
}

export interface PreparedDataset {
  preprocessor: Preprocessor;
  features: number;
  featureNames: readonly string[];
  train: PreparedPart;
  validation: PreparedPart;
  test: PreparedPart;
  split: Split;
}

export function prepareDataset(table: CsvTable, options: PrepareOptions): PreparedDataset {
  // The label vocabulary (which value is positive) is not a statistic, so all rows may decide it.
  const label = fitLabel(table, options.label, { positive: options.positive });
  const split = stratifiedSplit(encodeLabels(table, label), options);
  const preprocessor = Preprocessor.fit(selectRows(table, split.train), { ...options, label });
  const part = (indices: Int32Array): PreparedPart => {
    const { x, y, rows } = preprocessor.transform(selectRows(table, indices));
    return { x, y: y!, rows, indices };
  };
  return {
    preprocessor,
    features: preprocessor.numFeatures,
    featureNames: preprocessor.featureNames,
    train: part(split.train),
    validation: part(split.validation),
    test: part(split.test),
    split,
  };
}
