import '../training/terminal-bar.js';
import type { CsvTable } from '../data/csv.js';
import { type PreparedDataset, type PreparedPart, prepareDataset } from '../data/dataset.js';
import { classWeights, randomOversample } from '../data/imbalance.js';
import type { Task } from '../data/label.js';
import type { Impute } from '../data/preprocess.js';
import { type ProviderChoice as BackendChoice, withProvider as withBackend } from '../kernels/index.js';
import { EarlyStopping } from '../training/early-stopping.js';
import type { Model } from '../training/model.js';
import type { ProgressStream, Verbosity } from '../training/progress.js';
import { type NetworkSpec, SEED_NETWORK } from './architectures.js';
import type { ReportedRun } from './report.js';
import {
  ensembleNetwork,
  REGRESSION_LOSSES,
  type RegressionLoss,
  TaskKind,
  type TaskReport,
} from './tasks.js';

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
  /**
   * Most passes over the training rows (training stops earlier when `patience` is set). 'auto':
   * enough passes for about AUTO_STEPS gradient steps, between 2 and 200 (see autoEpochs).
   */
  epochs?: number | 'auto';
  batchSize?: number;
  /**
   * Stop once the validation loss has not improved for this many epochs, and keep the weights of
   * the best epoch (0: train all `epochs`).
   */
  patience?: number;
  /** Decoupled weight decay (AdamW) when above 0. */
  weightDecay?: number;
  /** The loss of a regression (default mse); classes have theirs. */
  loss?: RegressionLoss;
  /**
   * Networks trained from different seeds and averaged into one (see ensembleNetwork); 'auto':
   * 3 up to AUTO_ENSEMBLE_ROWS training rows, else 1.
   */
  ensemble?: number | 'auto';
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

export interface TabularRun extends ReportedRun {
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
  /** Epochs trained, and the (1-based) epoch whose weights were kept when training stopped early. */
  epochsRun: number;
  bestEpoch: number | null;
  /** The same for each network of the ensemble (the first is the one above). */
  members: Array<{ epochs: number; best: number | null }>;
  parts: { train: PartSummary; validation: PartSummary; test: PartSummary };
  settings: Required<
    Pick<
      TabularOptions,
      'epochs' | 'batchSize' | 'seed' | 'balance' | 'test' | 'validation' | 'patience' | 'weightDecay'
    >
  > & {
    maxEpochs: number;
    members: number;
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

/** Gradient steps the 'auto' epoch count aims at: plenty for a small network, on any table size. */
export const AUTO_STEPS = 200_000;

/** Epochs for about AUTO_STEPS steps, at least 2 (early stopping compares epochs) and at most 200. */
export function autoEpochs(rows: number, batchSize: number): number {
  const steps = Math.ceil(rows / batchSize);
  return Math.min(200, Math.max(2, Math.ceil(AUTO_STEPS / steps)));
}

/** Training rows up to which 'auto' averages 3 networks (beyond, one network is the budget). */
export const AUTO_ENSEMBLE_ROWS = 100_000;

export function autoEnsemble(rows: number): number {
  return rows <= AUTO_ENSEMBLE_ROWS ? 3 : 1;
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
    /** Passes actually allowed ('auto' resolved); set below. */
    maxEpochs: 0,
    batchSize: options.batchSize ?? 32,
    seed: options.seed ?? 42,
    balance: options.balance ?? 'none',
    test: options.test ?? 0.2,
    validation: options.validation ?? 0.1,
    network: options.network ?? SEED_NETWORK,
    backend: options.backend ?? 'auto',
    patience: options.patience ?? 0,
    /** Networks averaged; set below. */
    members: 1,
    weightDecay: options.weightDecay ?? 0,
    loss: options.loss ?? 'mse',
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
  settings.maxEpochs =
    settings.epochs === 'auto' ? autoEpochs(ds.train.rows, settings.batchSize) : settings.epochs;
  settings.members = options.ensemble === 'auto' ? autoEnsemble(ds.train.rows) : (options.ensemble ?? 1);
  if (!Number.isInteger(settings.members) || settings.members < 1) {
    throw new Error(`train: ensemble must be a positive integer or 'auto', got ${settings.members}`);
  }
  const kind = new TaskKind(ds.preprocessor.label!);
  if (options.loss !== undefined && kind.task !== 'regression') {
    throw new Error(
      `train: --loss ${options.loss} is for a regression; a ${kind.task} label trains with cross-entropy`,
    );
  }
  if (!REGRESSION_LOSSES.includes(settings.loss)) {
    throw new Error(`train: loss must be one of ${REGRESSION_LOSSES.join(', ')}, got '${settings.loss}'`);
  }
  if (kind.task === 'regression' && settings.balance !== 'none') {
    throw new Error(
      `train: balancing classes (${settings.balance}) needs classes; the label is a regression target`,
    );
  }
  return withBackend(settings.backend, () => {
    const f = ds.features;
    const fitOn = balanced(ds, settings.balance, settings.seed);
    /** One network trained on the training rows, stopping early on the validation rows. */
    const train = (model: Model, seed: number, verbose: Verbosity) => {
      const stopper =
        settings.patience > 0
          ? new EarlyStopping({ patience: settings.patience, restoreBestWeights: true })
          : null;
      const history = model.fit(fitOn.x, kind.targets(fitOn.y), {
        callbacks: stopper ? [stopper] : [],
        epochs: settings.maxEpochs,
        batchSize: settings.batchSize,
        validationData: [matrix(ds.validation, f), kind.targets(ds.validation.y)],
        classWeight: fitOn.classWeight,
        seed,
        verbose,
        stream: options.stream,
      });
      return { history, best: stopper && stopper.bestEpoch >= 0 ? stopper.bestEpoch + 1 : null };
    };
    // Members differ in initialization, dropout and shuffling; the first one's progress is shown.
    const members = Array.from({ length: settings.members }, (_, k) => {
      const seed = settings.seed + 1000 * k;
      const model = kind.network(settings.network, seed, settings.weightDecay, settings.loss);
      return { model, ...train(model, seed, k === 0 ? (options.verbose ?? 1) : 0) };
    });
    const model = ensembleNetwork(
      members.map((m) => m.model),
      kind,
      settings.network,
      settings.seed,
    );
    const { history, best } = members[0];
    const outputs = (m: Model, part: PreparedPart) => m.predict(matrix(part, f)).data;
    const threshold = kind.threshold(ds.validation, outputs(model, ds.validation));

    let baselines: BaselineRun[] | null = null;
    if (options.baselines ?? true) {
      const linear = kind.linear(settings.seed);
      train(linear, settings.seed, 0);
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
      label: kind.label,
      unit: 'rows' as const,
      features: f,
      example: [f],
      inputs: `features after encoding: ${f}`,
      preprocessing: ds.preprocessor.toJSON(),
      threshold,
      validation: kind.report(ds.validation, outputs(model, ds.validation), threshold),
      test: kind.report(ds.test, outputs(model, ds.test), threshold),
      baselines,
      history: history.history,
      epochsRun: history.epoch.length,
      bestEpoch: best,
      members: members.map((m) => ({ epochs: m.history.epoch.length, best: m.best })),
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
