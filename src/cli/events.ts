/**
 * The command line on event logs (`--sequence-by`, `--order-by`): train reads one row per event and
 * trains a sequence model next to an aggregate baseline; evaluate and predict take event logs when
 * the model was trained on one, and predict writes one row per session.
 */
import { TRAIN_ADVICE } from '../data/advice.js';
import { DataError } from '../data/errors.js';
import { type EventLogState, encodeEventLog, prepareEventLog } from '../data/events.js';
import { EVENT_DEFAULTS, type EventRun, trainEventLog } from '../tabular/events.js';
import { formatReport, writeRun } from '../tabular/report.js';
import type { Verbosity } from '../training/progress.js';
import type { TrainedModel } from './model-dir.js';
import { ReadProgress } from './read-progress.js';
import { type TrainCliOptions, taskLine } from './train.js';

/** Options of `train` that mean something for tables only. */
const TABLE_ONLY: Array<[keyof TrainCliOptions, string]> = [
  ['impute', '--impute (missing event cells are encoded with a mask)'],
  ['hidden', '--hidden (the sequence model is set by --model and --units)'],
  ['ensemble', '--ensemble'],
  ['balance', '--balance'],
];

/**
 * `tensorgrad train --sequence-by S --order-by T`: options the user did not give take the event
 * defaults (EVENT_DEFAULTS), not the table ones; `given` says which were given.
 */
export async function runTrainEvents(
  o: TrainCliOptions,
  given: (key: keyof TrainCliOptions) => boolean,
  log: (line: string) => void,
): Promise<EventRun> {
  if (o.orderBy === undefined) {
    throw new Error(
      '--sequence-by needs --order-by: the column that orders the events of a session (a timestamp or a number)',
    );
  }
  for (const [key, flag] of TABLE_ONLY) {
    if (given(key)) throw new Error(`${flag} is for tables; it does not apply to event logs (--sequence-by)`);
  }
  const d = EVENT_DEFAULTS;
  const pick = <K extends keyof TrainCliOptions>(key: K, fallback: TrainCliOptions[K]) =>
    given(key) ? o[key] : fallback;
  const progress = new ReadProgress(o.quiet);
  let ds: Awaited<ReturnType<typeof prepareEventLog>>;
  try {
    ds = await prepareEventLog(o.data, {
      sequenceBy: o.sequenceBy!,
      orderBy: o.orderBy,
      label: o.label,
      positive: o.positive,
      task: o.task,
      drop: o.drop,
      categorical: o.categorical,
      maxCategories: o.maxCategories,
      maxLength: o.maxLength,
      decimalComma: o.decimalComma,
      delimiter: o.delimiter,
      encoding: o.encoding,
      test: o.test,
      validation: o.validation,
      seed: o.seed,
      advice: TRAIN_ADVICE,
      onProgress: (p) => progress.update('reading events', p),
    });
  } finally {
    progress.done();
  }
  const { rows, header, delimiter, sessions } = ds.source;
  log(
    `${o.data}: ${rows} events in ${sessions} sessions, ${header.length} columns, delimiter '${delimiter}'`,
  );
  log(taskLine(ds.state.label, o.task !== undefined));
  for (const note of ds.notes) log(`note: ${note}`);
  const run = trainEventLog(ds, {
    model: o.model ?? d.model,
    units: o.units ?? d.units,
    dropout: pick('dropout', d.dropout),
    learningRate: pick('learningRate', d.learningRate),
    batchSize: pick('batchSize', d.batchSize),
    epochs: pick('epochs', d.epochs),
    patience: pick('patience', d.patience),
    seed: o.seed,
    loss: o.loss,
    backend: o.backend,
    baselines: o.baselines,
    verbose: (o.quiet ? 0 : 1) as Verbosity,
  });
  log('');
  log(formatReport(run));
  const agg = run.baselines?.find((b) => b.key === 'aggregates');
  if (agg) log(`\n${orderLine(run, agg.report)}`);
  log(`\ntrained and evaluated in ${run.seconds.toFixed(1)} s`);
  if (o.out) {
    const files = await writeRun(o.out, run, { data: o.data, label: o.label });
    log(`wrote ${files.join(', ')}`);
  }
  return run;
}

/** Whether the order of events helped: the sequence model's figure against the aggregates'. */
function orderLine(run: EventRun, agg: EventRun['test']): string {
  const [name, a, b] =
    run.test.task === 'binary' && agg.task === 'binary'
      ? ['ROC-AUC', run.test.rocAuc ?? Number.NaN, agg.rocAuc ?? Number.NaN]
      : run.test.task === 'multiclass' && agg.task === 'multiclass'
        ? ['accuracy', run.test.accuracy, agg.accuracy]
        : run.test.task === 'regression' && agg.task === 'regression'
          ? ['R²', run.test.r2, agg.r2]
          : ['', Number.NaN, Number.NaN];
  const diff = a - b;
  const verdict =
    diff > 0.01
      ? 'the order of the events carried signal that totals per session do not'
      : diff < -0.01
        ? 'totals per session did better: the order of the events added nothing the model could use'
        : 'about level: little signal in the order of the events beyond totals per session';
  return `order of events: test ${name} ${a.toFixed(4)} (sequence model) vs ${b.toFixed(4)} (aggregates), ${diff >= 0 ? '+' : ''}${diff.toFixed(4)}: ${verdict}`;
}

/** An event log scored by a model trained on event logs: one output per session. */
export interface ScoredSessions {
  sessions: string[];
  lengths: Int32Array;
  /** binary: P(positive) per session; multiclass: sessions x classes; regression: the value. */
  outputs: Float32Array | Float64Array;
  labels: Float64Array | null;
  rows: number;
  events: number;
  delimiter: string;
  notes: string[];
}

export async function scoreEventLog(
  trained: TrainedModel,
  path: string,
  options: {
    labels: 'require' | 'ignore';
    delimiter?: string;
    encoding?: 'utf8' | 'latin1';
    strict?: boolean;
    quiet?: boolean;
  },
): Promise<ScoredSessions> {
  const state = trained.events!;
  const progress = new ReadProgress(options.quiet);
  let encoded: Awaited<ReturnType<typeof encodeEventLog>>;
  try {
    encoded = await encodeEventLog(path, state, {
      labels: options.labels,
      delimiter: options.delimiter,
      encoding: options.encoding,
      onProgress: (p) => progress.update('reading events', p),
    });
  } finally {
    progress.done();
  }
  if (options.strict && encoded.unseen.length > 0) {
    const u = encoded.unseen[0];
    throw new DataError(
      `column '${u.column}': ${u.count} event${u.count === 1 ? '' : 's'} with values the model does not know (${u.examples.map((e) => `'${e}'`).join(', ')}); without --strict they are scored as an unknown value`,
      { column: u.column, value: u.examples[0] },
    );
  }
  const { part } = encoded;
  if (part.rows === 0) throw new DataError(`${path}: the event log has no sessions`);
  const width = part.x.length / (part.rows * state.maxLength);
  const z = trained.model.predict({ data: part.x, shape: [part.rows, state.maxLength, width] }).data;
  const label = state.label;
  const outputs = label.task === 'regression' ? Float64Array.from(z, (v) => v * label.std + label.mean) : z;
  return {
    sessions: encoded.sessions,
    lengths: encoded.lengths,
    outputs,
    labels: encoded.labels,
    rows: part.rows,
    events: encoded.source.rows,
    delimiter: encoded.source.delimiter,
    notes: encoded.unseen.map(
      (u) =>
        `note: column '${u.column}': ${u.count} event${u.count === 1 ? '' : 's'} with values not seen in training (or too rare to keep) (${u.examples.map((e) => `'${e}'`).join(', ')}${u.count > u.examples.length ? ', ...' : ''}), scored as an unknown value; --strict makes this an error`,
    ),
  };
}

/** The event state saved with a model, checked enough to be used. */
export function eventStateOf(dir: string, preprocessing: Record<string, unknown>): EventLogState {
  const state = preprocessing.state as EventLogState | undefined;
  const ok =
    state !== undefined &&
    typeof state === 'object' &&
    typeof state.sequenceBy === 'string' &&
    typeof state.orderBy === 'string' &&
    Number.isInteger(state.maxLength) &&
    Array.isArray(state.columns) &&
    typeof state.label === 'object' &&
    state.label !== null;
  if (!ok) throw new Error(`${dir}: the event-log preprocessing saved with this model is incomplete`);
  return state;
}
