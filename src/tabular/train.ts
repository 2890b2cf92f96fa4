import type { CsvTable } from '../data/csv.js';
import { type PreparedDataset, type PreparedPart, prepareDataset } from '../data/dataset.js';
import { classWeights, randomOversample } from '../data/imbalance.js';
import type { Task } from '../data/label.js';
import type { Impute } from '../data/preprocess.js';
import { type ProviderChoice as BackendChoice, withProvider as withBackend } from '../kernels/index.js';
import type { Model } from '../training/model.js';
import type { ProgressStream, Verbosity } from '../training/progress.js';
import { type NetworkSpec, SEED_NETWORK } from './architectures.js';
import { TaskKind, type TaskReport } from './tasks.js';

export type Balance = 'none' | 'weights' | 'oversample';

export interface TabularOptions {
  label: string;
  positive?: string;
  /** binary, multiclass or regression; inferred from the label when absent. */
  task?: Task;
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
  /** Train the baselines too (default true): the task's linear model and a featureless guess. */
  baselines?: boolean;
  verbose?: Verbosity;
  stream?: ProgressStream;
}

export interface PartSummary {
  rows: number;
  /** Positive rows (binary), rows of each class (multiclass); absent for regression. */
  positives?: number;
  classes?: number[];
}

export interface BaselineRun {
  name: string;
  /** Its key in metrics.json. */
  key: string;
  report: TaskReport;
}

export interface TabularRun {
  task: Task;
  model: Model;
  dataset: PreparedDataset;
  /** Decision threshold chosen on the validation rows (max F1), for a binary task; else null. */
  threshold: number | null;
  validation: TaskReport;
  test: TaskReport;
  /** What learns nothing from the features, and the linear model of the task. */
  baselines: BaselineRun[] | null;
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

function summarize(kind: TaskKind, part: PreparedPart): PartSummary {
  if (kind.task === 'regression') return { rows: part.rows };
  if (kind.task === 'binary') return { rows: part.rows, positives: part.y.reduce((s, v) => s + v, 0) };
  const classes = new Array<number>(kind.outputs).fill(0);
  for (const v of part.y) classes[v]++;
  return { rows: part.rows, classes };
}

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
 * choose the threshold on validation rows (binary), report on test rows, next to two baselines
 * trained by the same engine. The task (binary, multiclass, regression) is the label's (see
 * tasks.ts). Nothing here reads files or prints beyond fit's progress. `data` is a table in
 * memory, or a dataset already prepared (the command line streams files with prepareCsvFile, with
 * the same options).
 */
export function trainTabular(data: CsvTable | PreparedDataset, options: TabularOptions): TabularRun {
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
  const ds =
    'preprocessor' in data
      ? data
      : prepareDataset(data, {
          label: options.label,
          positive: options.positive,
          task: options.task,
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
      `train: too few rows to hold out validation and test rows (${ds.source.rows} rows); use a larger file`,
    );
  }
  const kind = new TaskKind(ds.preprocessor.label!);
  if (kind.task === 'regression' && settings.balance !== 'none') {
    throw new Error(
      `train: balancing classes (${settings.balance}) needs classes; the label is a regression target`,
    );
  }
  return withBackend(settings.backend, () => {
    const f = ds.features;
    const fitOn = balanced(ds, settings.balance, settings.seed);
    const model = kind.network(settings.network, settings.seed);
    const history = model.fit(fitOn.x, kind.targets(fitOn.y), {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      validationData: [matrix(ds.validation, f), kind.targets(ds.validation.y)],
      classWeight: fitOn.classWeight,
      seed: settings.seed,
      verbose: options.verbose ?? 1,
      stream: options.stream,
    });
    const outputs = (m: Model, part: PreparedPart) => m.predict(matrix(part, f)).data;
    const threshold = kind.threshold(ds.validation, outputs(model, ds.validation));

    let baselines: BaselineRun[] | null = null;
    if (options.baselines ?? true) {
      const linear = kind.linear(settings.seed);
      linear.fit(fitOn.x, kind.targets(fitOn.y), {
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        classWeight: fitOn.classWeight,
        seed: settings.seed,
        verbose: 0,
      });
      const linearThreshold = kind.threshold(ds.validation, outputs(linear, ds.validation));
      baselines = [
        { ...kind.linearName, report: kind.report(ds.test, outputs(linear, ds.test), linearThreshold) },
        kind.trivial(ds.train, ds.test),
      ];
    }
    return {
      task: kind.task,
      model,
      dataset: ds,
      threshold,
      validation: kind.report(ds.validation, outputs(model, ds.validation), threshold),
      test: kind.report(ds.test, outputs(model, ds.test), threshold),
      baselines,
      history: history.history,
      parts: {
        train: summarize(kind, ds.train),
        validation: summarize(kind, ds.validation),
        test: summarize(kind, ds.test),
      },
      settings,
      seconds: (performance.now() - started) / 1000,
    };
  });
}
