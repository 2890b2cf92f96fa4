import type { Command } from 'commander';
import { TRAIN_ADVICE } from '../data/advice.js';
import { prepareCsvFile } from '../data/dataset.js';
import { type LabelSpec, TASKS, type Task } from '../data/label.js';
import type { Impute } from '../data/preprocess.js';
import type { ProviderChoice as BackendChoice } from '../kernels/registry.js';
import { TRAIN_DEFAULTS } from '../tabular/defaults.js';
import { EVENT_DEFAULTS, SEQUENCE_MODELS, type SequenceModelKind } from '../tabular/events.js';
import { formatReport, writeRun } from '../tabular/report.js';
import { REGRESSION_LOSSES, type RegressionLoss } from '../tabular/tasks.js';
import { type Balance, trainTabular } from '../tabular/train.js';
import type { Verbosity } from '../training/progress.js';
import { runTrainEvents } from './events.js';
import {
  delimiter,
  ENCODINGS,
  ensembleOption,
  epochsOption,
  fraction,
  integer,
  list,
  nonNegativeInt,
  oneOf,
  positiveInt,
  positiveNumber,
  rate,
  units,
} from './options.js';
import { checkOutputFolder } from './output.js';
import { ReadProgress } from './read-progress.js';

export const BACKENDS = ['js', 'native', 'gpu', 'vulkan', 'auto'] as const;

export interface TrainCliOptions {
  data: string;
  label: string;
  positive?: string;
  task?: Task;
  delimiter?: string;
  categorical?: string[];
  drop?: string[];
  impute?: Impute;
  /** true: --decimal-comma; false: --no-decimal-comma; unset: detected. */
  decimalComma?: boolean;
  maxCategories: number;
  encoding: 'utf8' | 'latin1';
  epochs: number | 'auto';
  patience: number;
  ensemble: number | 'auto';
  loss?: RegressionLoss;
  batchSize: number;
  seed: number;
  hidden: number[];
  dropout: number;
  learningRate: number;
  balance: Balance;
  test: number;
  validation: number;
  backend: BackendChoice;
  out?: string;
  baselines: boolean;
  quiet?: boolean;
  /** Event logs: the session column, the order column, events kept, the sequence model. */
  sequenceBy?: string;
  orderBy?: string;
  maxLength?: number;
  model?: SequenceModelKind;
  units?: number;
}

/** The task line printed after reading: what the label is, and whether it was inferred. */
export function taskLine(label: LabelSpec, given: boolean): string {
  const how = given ? '' : ' (inferred from the label; --task chooses)';
  if (label.task === 'multiclass') {
    const shown = label.classes.slice(0, 8).join(', ') + (label.classes.length > 8 ? ', ...' : '');
    return `task: multiclass, ${label.classes.length} classes of '${label.column}' (${shown})${how}`;
  }
  if (label.task === 'regression') return `task: regression on '${label.column}'${how}`;
  return `task: binary, '${label.column}' = '${label.positive}' is positive${how}`;
}

const PASSES = { profile: '1/3 columns', fit: '2/3 statistics', encode: '3/3 encoding' } as const;

export async function runTrain(
  o: TrainCliOptions,
  log: (line: string) => void = console.log,
  given: (key: keyof TrainCliOptions) => boolean = (key) => o[key] !== undefined,
): Promise<void> {
  // A folder that cannot be written is found now, not after the training it would have held.
  if (o.out !== undefined) checkOutputFolder('--out', o.out);
  if (o.sequenceBy !== undefined) {
    await runTrainEvents(o, given, log);
    return;
  }
  for (const [key, flag] of [
    ['orderBy', '--order-by'],
    ['maxLength', '--max-length'],
    ['model', '--model'],
    ['units', '--units'],
  ] as const) {
    if (o[key] !== undefined) {
      throw new Error(
        `${flag} is for event logs and needs --sequence-by (the column that names each event's session)`,
      );
    }
  }
  const progress = new ReadProgress(o.quiet);
  let ds: Awaited<ReturnType<typeof prepareCsvFile>>;
  try {
    ds = await prepareCsvFile(o.data, {
      label: o.label,
      positive: o.positive,
      task: o.task,
      categorical: o.categorical,
      drop: o.drop,
      impute: o.impute,
      decimalComma: o.decimalComma,
      maxCategories: o.maxCategories,
      delimiter: o.delimiter,
      encoding: o.encoding,
      advice: TRAIN_ADVICE,
      test: o.test,
      validation: o.validation,
      seed: o.seed,
      onProgress: (pass, p) => progress.update(`reading ${PASSES[pass]}`, p),
    });
  } finally {
    progress.done();
  }
  const { rows, header, delimiter } = ds.source;
  log(`${o.data}: ${rows} rows, ${header.length} columns, delimiter '${delimiter}'`);
  log(taskLine(ds.preprocessor.label!, o.task !== undefined));
  for (const note of ds.notes) log(`note: ${note}`);
  const run = trainTabular(ds, {
    label: o.label,
    epochs: o.epochs,
    patience: o.patience,
    ensemble: o.ensemble,
    loss: o.loss,
    batchSize: o.batchSize,
    seed: o.seed,
    network: { hidden: o.hidden, dropout: o.dropout, learningRate: o.learningRate },
    balance: o.balance,
    test: o.test,
    validation: o.validation,
    backend: o.backend,
    baselines: o.baselines,
    verbose: (o.quiet ? 0 : 1) as Verbosity,
  });
  log('');
  log(formatReport(run));
  log(`\ntrained and evaluated in ${run.seconds.toFixed(1)} s`);
  if (o.out) {
    const files = await writeRun(o.out, run, { data: o.data, label: o.label });
    log(`wrote ${files.join(', ')}`);
  }
}

export function addTrainCommand(program: Command): void {
  const d = TRAIN_DEFAULTS;
  program
    .command('train')
    .description(
      'train a network on a CSV file (classes or numbers) and report test metrics next to baselines',
    )
    .requiredOption('--data <file>', 'CSV file with a header row')
    .requiredOption('--label <column>', 'the column to predict')
    .option(
      '--task <task>',
      'binary, multiclass or regression (default: inferred from the label)',
      oneOf(TASKS),
    )
    .option(
      '--loss <name>',
      'loss of a regression: mse, mae or huber (default mse)',
      oneOf(REGRESSION_LOSSES),
    )
    .option(
      '--positive <value>',
      'label value of the positive class (a binary task; default: TRUE/true/yes/1)',
    )
    .option('--delimiter <char>', "field separator: ',', ';', tab... (default: detected)", delimiter)
    .option('--categorical <columns>', 'integer-coded columns to one-hot encode, comma-separated', list)
    .option('--drop <columns>', 'columns to ignore (ids, free text), comma-separated', list)
    .option(
      '--impute <how>',
      'fill missing cells: mean, median or mode (default: refuse them)',
      oneOf(['mean', 'median', 'mode'] as const),
    )
    .option(
      '--decimal-comma',
      'numbers are written 12,5 (default: detected in files not separated by commas)',
    )
    .option('--no-decimal-comma', 'never read 12,5 as a number')
    .option('--max-categories <n>', 'most distinct values a categorical column may have', positiveInt, 100)
    .option('--encoding <name>', 'utf8 (checked) or latin1', oneOf(ENCODINGS), 'utf8')
    .option(
      '--epochs <n>',
      'most passes over the training rows, or auto (enough for about 200,000 steps, 2 to 200)',
      epochsOption,
      d.epochs,
    )
    .option(
      '--ensemble <n>',
      'networks trained from different seeds and averaged into one, or auto (3 up to 100,000 training rows, else 1)',
      ensembleOption,
      d.ensemble,
    )
    .option(
      '--patience <n>',
      'stop after this many epochs without a better validation loss, keeping the best (0: never)',
      nonNegativeInt,
      d.patience,
    )
    .option('--batch-size <n>', 'rows per gradient step', positiveInt, d.batchSize)
    .option('--seed <n>', 'seed of the split, weights, dropout and shuffles', integer, d.seed)
    .option('--hidden <units>', 'hidden ReLU layer sizes', units, d.hidden)
    .option('--dropout <rate>', 'dropout after each hidden layer', rate, d.dropout)
    .option('--learning-rate <lr>', 'Adam learning rate', positiveNumber, d.learningRate)
    .option(
      '--balance <how>',
      'help the minority class: none (threshold only), weights, oversample',
      oneOf(['none', 'weights', 'oversample'] as const),
      d.balance,
    )
    .option('--test <share>', 'share of rows held out for testing', fraction, d.test)
    .option('--validation <share>', 'share of the remaining rows for validation', fraction, d.validation)
    .option('--backend <name>', 'kernel provider: js, native, gpu, vulkan or auto', oneOf(BACKENDS), 'auto')
    .option('--out <dir>', 'write the model, metrics.json and loss.svg here')
    .option('--no-baselines', 'skip the always-negative and logistic-regression baselines')
    .option('--quiet', 'no progress bar')
    .option(
      '--sequence-by <column>',
      "an event log: the column naming each event's session (one example per session)",
    )
    .option('--order-by <column>', "an event log: the column ordering a session's events (time or number)")
    .option(
      '--max-length <n>',
      'an event log: events kept per session, the last ones (default: 95th percentile of lengths)',
      positiveInt,
    )
    .option(
      '--model <kind>',
      `an event log: the sequence model, gru, lstm or conv1d (default ${EVENT_DEFAULTS.model})`,
      oneOf(SEQUENCE_MODELS),
    )
    .option(
      '--units <n>',
      `an event log: units of the recurrent layer, filters of the convolution (default ${EVENT_DEFAULTS.units})`,
      positiveInt,
    )
    .action(async (opts: TrainCliOptions, command: Command) =>
      runTrain(opts, console.log, (key) => command.getOptionValueSource(key) === 'cli'),
    );
}
