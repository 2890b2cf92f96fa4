import type { CsvTable } from '../data/csv.js';
import { type PreparedDataset, type PreparedPart, prepareDataset } from '../data/dataset.js';
import { classWeights, randomOversample } from '../data/imbalance.js';
import type { Impute } from '../data/preprocess.js';
import { type ProviderChoice as BackendChoice, withProvider as withBackend } from '../kernels/index.js';
import { type ClassificationReport, classificationReport } from '../metrics/report.js';
import { bestThreshold } from '../metrics/threshold.js';
import type { Model } from '../training/model.js';
import type { ProgressStream, Verbosity } from '../training/progress.js';
import { binaryClassifier, logisticRegression, type NetworkSpec, SEED_NETWORK } from './architectures.js';

export type Balance = 'none' | 'weights' | 'oversample';

export interface TabularOptions {
  label: string;
  positive?: string;
  /** Integer-coded columns to one-hot encode. */
  categorical?: string[];
  drop?: string[];
  impute?: Impute;
  decimalComma?: boolean;
  /** Shares of the rows held out: test of all rows, validation of the rest. */
  test?: number;
  validation?: number;
  seed?: number;
  network?: NetworkSpec;
  epochs?: number;
  batchSize?: number;
  /** How the minority class is helped: class weights, random oversampling, or only the threshold. */
  balance?: Balance;
  backend?: BackendChoice;
  /** Train the always-negative and logistic-regression baselines too (default true). */
  baselines?: boolean;
  verbose?: Verbosity;
  stream?: ProgressStream;
}

export interface PartSummary {
  rows: number;
  positives: number;
}

export interface TabularRun {
  model: Model;
  dataset: PreparedDataset;
  /** Decision threshold chosen on the validation rows (max F1). */
  threshold: number;
  validation: ClassificationReport;
  test: ClassificationReport;
  baselines: { alwaysNegative: ClassificationReport; logisticRegression: ClassificationReport } | null;
  history: Record<string, number[]>;
  parts: { train: PartSummary; validation: PartSummary; test: PartSummary };
  settings: Required<
    Pick<TabularOptions, 'epochs' | 'batchSize' | 'seed' | 'balance' | 'test' | 'validation'>
  > & {
    network: NetworkSpec;
    backend: BackendChoice;
  };
  seconds: number;
}

const summarize = (part: PreparedPart): PartSummary => ({
  rows: part.rows,
  positives: part.y.reduce((s, v) => s + v, 0),
});

const matrix = (part: PreparedPart, features: number) => ({ data: part.x, shape: [part.rows, features] });

/** The rows to train on and their class weights, after the chosen balancing. */
function balanced(ds: PreparedDataset, balance: Balance, seed: number) {
  const { train, features } = ds;
  if (balance === 'oversample') {
    const idx = randomOversample(train.y, undefined, { seed });
    const x = new Float32Array(idx.length * features);
    const y = new Float32Array(idx.length);
    idx.forEach((r, i) => {
      x.set(train.x.subarray(r * features, (r + 1) * features), i * features);
      y[i] = train.y[r];
    });
    return { x: { data: x, shape: [idx.length, features] }, y, classWeight: undefined };
  }
  const weights = balance === 'weights' ? classWeights(train.y) : undefined;
  return { x: matrix(train, features), y: train.y, classWeight: weights };
}

/**
 * The whole tabular workflow: split and preprocess (fitted on training rows), train the network,
 * choose the threshold on validation rows, report on test rows, next to two baselines trained by
 * the same engine. Nothing here reads files or prints beyond fit's progress.
 */
export function trainTabular(table: CsvTable, options: TabularOptions): TabularRun {
  const started = performance.now();
  const settings = {
    epochs: options.epochs ?? 10,
    batchSize: options.batchSize ?? 32,
    seed: options.seed ?? 42,
    balance: options.balance ?? 'none',
    test: options.test ?? 0.2,
    validation: options.validation ?? 0.1,
    network: options.network ?? SEED_NETWORK,
    backend: options.backend ?? 'auto',
  };
  const ds = prepareDataset(table, {
    label: options.label,
    positive: options.positive,
    categorical: options.categorical,
    drop: options.drop,
    impute: options.impute,
    decimalComma: options.decimalComma,
    test: settings.test,
    validation: settings.validation,
    seed: settings.seed,
  });
  if (ds.validation.rows === 0 || ds.test.rows === 0) {
    throw new Error(
      `train: too few rows to hold out validation and test rows (${table.rows.length} rows); use a larger file`,
    );
  }
  return withBackend(settings.backend, () => {
    const f = ds.features;
    const fitOn = balanced(ds, settings.balance, settings.seed);
    const model = binaryClassifier(settings.network, settings.seed);
    const history = model.fit(fitOn.x, fitOn.y, {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      validationData: [matrix(ds.validation, f), ds.validation.y],
      classWeight: fitOn.classWeight,
      seed: settings.seed,
      verbose: options.verbose ?? 1,
      stream: options.stream,
    });
    const scores = (m: Model, part: PreparedPart) => m.predict(matrix(part, f)).data;
    const threshold = bestThreshold(ds.validation.y, scores(model, ds.validation)).threshold;
    const report = (m: Model, part: PreparedPart, t: number) =>
      classificationReport(part.y, scores(m, part), t);

    let baselines: TabularRun['baselines'] = null;
    if (options.baselines ?? true) {
      const logistic = logisticRegression(settings.seed);
      logistic.fit(fitOn.x, fitOn.y, {
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        classWeight: fitOn.classWeight,
        seed: settings.seed,
        verbose: 0,
      });
      const logisticThreshold = bestThreshold(ds.validation.y, scores(logistic, ds.validation)).threshold;
      baselines = {
        alwaysNegative: classificationReport(ds.test.y, new Float32Array(ds.test.rows), 0.5),
        logisticRegression: report(logistic, ds.test, logisticThreshold),
      };
    }
    return {
      model,
      dataset: ds,
      threshold,
      validation: report(model, ds.validation, threshold),
      test: report(model, ds.test, threshold),
      baselines,
      history: history.history,
      parts: { train: summarize(ds.train), validation: summarize(ds.validation), test: summarize(ds.test) },
      settings,
      seconds: (performance.now() - started) / 1000,
    };
  });
}
