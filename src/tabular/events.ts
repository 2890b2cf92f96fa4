/**
 * Training on event logs: a sequence model over each session's events (FeatureEmbedding, then a
 * GRU, an LSTM or a 1-D convolution, then the task's head), next to the dense network of the
 * tables trained on per-session aggregates (counts, sums, means), so the report shows whether the
 * order of the events carried signal. Reads nothing and prints nothing beyond fit's progress: the
 * sessions come prepared by the data layer (data/events.ts).
 */
import type { PreparedEventLog, SessionPart } from '../data/events.js';
import { type ProviderChoice as BackendChoice, withProvider as withBackend } from '../kernels/index.js';
import { Conv1D } from '../nn/conv1d.js';
import { Dropout } from '../nn/dropout.js';
import { FeatureEmbedding } from '../nn/feature-embedding.js';
import type { Module } from '../nn/module.js';
import { GlobalMaxPooling1D } from '../nn/pooling.js';
import { GRU, LSTM } from '../nn/recurrent.js';
import { EarlyStopping } from '../training/early-stopping.js';
import type { Model } from '../training/model.js';
import type { ProgressStream, Verbosity } from '../training/progress.js';
import type { ReportedRun } from './report.js';
import { REGRESSION_LOSSES, type RegressionLoss, TaskKind } from './tasks.js';
import { autoEpochs, type BaselineRun, type PartSummary } from './train.js';

export type SequenceModelKind = 'gru' | 'lstm' | 'conv1d';
export const SEQUENCE_MODELS: readonly SequenceModelKind[] = ['gru', 'lstm', 'conv1d'];

/**
 * Defaults of `tensorgrad train --sequence-by`: a GRU of 64 units over 8-wide embeddings of each
 * text column, dropout 0.2 before the head, Adam 0.002, batches of 64 sessions, epochs until the
 * validation loss has not improved for 8 (at most 'auto': about SEQUENCE_STEPS gradient steps).
 * The aggregate baseline is the tables' recipe network (64-32, dropout 0.2).
 */
export const EVENT_DEFAULTS = {
  model: 'gru' as SequenceModelKind,
  units: 64,
  embedding: 8,
  dropout: 0.2,
  learningRate: 0.002,
  batchSize: 64,
  epochs: 'auto' as number | 'auto',
  patience: 8,
  seed: 42,
};

/** Gradient steps 'auto' epochs aim at for a sequence model (fewer than a table's: each costs more). */
export const SEQUENCE_STEPS = 30_000;

export interface EventTrainOptions {
  model?: SequenceModelKind;
  units?: number;
  embedding?: number;
  dropout?: number;
  learningRate?: number;
  batchSize?: number;
  epochs?: number | 'auto';
  patience?: number;
  seed?: number;
  loss?: RegressionLoss;
  backend?: BackendChoice;
  /** Train the aggregate baseline and the featureless guess too (default true). */
  baselines?: boolean;
  verbose?: Verbosity;
  stream?: ProgressStream;
}

export interface EventRun extends ReportedRun {
  prepared: PreparedEventLog;
  settings: Required<Omit<EventTrainOptions, 'verbose' | 'stream' | 'baselines' | 'loss'>> & {
    maxEpochs: number;
    loss: RegressionLoss;
  };
}

/** The sequence network of a kind over prepared sessions, compiled for the task. */
export function sequenceNetwork(
  ds: PreparedEventLog,
  kind: TaskKind,
  o: { model: SequenceModelKind; units: number; embedding: number; dropout: number; learningRate: number },
  seed: number,
  loss: RegressionLoss = 'mse',
): Model {
  const cats = ds.state.columns.filter((c) => c.kind === 'categorical');
  const vocabularies = cats.map((c) => (c.kind === 'categorical' ? c.values.length + 1 : 0));
  const numbers = ds.features - 1 - vocabularies.length;
  const layers: Module[] = [new FeatureEmbedding(vocabularies, numbers, { outputDim: o.embedding })];
  if (o.model === 'gru') layers.push(new GRU(o.units));
  else if (o.model === 'lstm') layers.push(new LSTM(o.units));
  else if (o.model === 'conv1d') {
    layers.push(new Conv1D(o.units, 3, { activation: 'relu', padding: 'same' }), new GlobalMaxPooling1D());
  } else throw new Error(`train: model must be one of ${SEQUENCE_MODELS.join(', ')}, got '${o.model}'`);
  if (o.dropout > 0) layers.push(new Dropout(o.dropout));
  return kind.compiled([...layers, ...kind.head()], seed, o.learningRate, 0, loss);
}

function summarize(kind: TaskKind, part: SessionPart): PartSummary {
  if (kind.task === 'regression') return { rows: part.rows };
  if (kind.task === 'binary') return { rows: part.rows, positives: part.y.reduce((s, v) => s + v, 0) };
  const classes = new Array<number>(kind.outputs).fill(0);
  for (const v of part.y) classes[v]++;
  return { rows: part.rows, classes };
}

/** Trains the sequence model and its baselines on prepared sessions; reports on the test sessions. */
export function trainEventLog(ds: PreparedEventLog, options: EventTrainOptions = {}): EventRun {
  const started = performance.now();
  const d = EVENT_DEFAULTS;
  const settings = {
    model: options.model ?? d.model,
    units: options.units ?? d.units,
    embedding: options.embedding ?? d.embedding,
    dropout: options.dropout ?? d.dropout,
    learningRate: options.learningRate ?? d.learningRate,
    batchSize: options.batchSize ?? d.batchSize,
    epochs: options.epochs ?? d.epochs,
    patience: options.patience ?? d.patience,
    seed: options.seed ?? d.seed,
    backend: options.backend ?? 'auto',
    loss: options.loss ?? 'mse',
    maxEpochs: 0,
  };
  if (!SEQUENCE_MODELS.includes(settings.model)) {
    throw new Error(`train: model must be one of ${SEQUENCE_MODELS.join(', ')}, got '${settings.model}'`);
  }
  if (ds.validation.rows === 0 || ds.test.rows === 0) {
    throw new Error(
      `train: too few sessions to hold out validation and test sessions (${ds.source.sessions} sessions); use a larger log`,
    );
  }
  const kind = new TaskKind(ds.state.label);
  if (options.loss !== undefined && kind.task !== 'regression') {
    throw new Error(
      `train: --loss ${options.loss} is for a regression; a ${kind.task} label trains with cross-entropy`,
    );
  }
  if (!REGRESSION_LOSSES.includes(settings.loss)) {
    throw new Error(`train: loss must be one of ${REGRESSION_LOSSES.join(', ')}, got '${settings.loss}'`);
  }
  const steps = Math.ceil(ds.train.rows / settings.batchSize);
  settings.maxEpochs =
    settings.epochs === 'auto'
      ? Math.min(100, Math.max(5, Math.ceil(SEQUENCE_STEPS / steps)))
      : settings.epochs;
  const [T, F] = [ds.steps, ds.features];
  const sequences = (p: SessionPart) => ({ data: p.x, shape: [p.rows, T, F] });
  const A = ds.state.aggregates.names.length;
  const aggregates = (p: SessionPart) => ({ data: p.aggregates, shape: [p.rows, A] });

  return withBackend(settings.backend, () => {
    const trainOne = (
      model: Model,
      input: (p: SessionPart) => { data: Float32Array; shape: number[] },
      epochs: number,
      batchSize: number,
      patience: number,
      verbose: Verbosity,
    ) => {
      const stopper = patience > 0 ? new EarlyStopping({ patience, restoreBestWeights: true }) : null;
      const history = model.fit(input(ds.train), kind.targets(ds.train.y), {
        callbacks: stopper ? [stopper] : [],
        epochs,
        batchSize,
        validationData: [input(ds.validation), kind.targets(ds.validation.y)],
        seed: settings.seed,
        verbose,
        stream: options.stream,
      });
      return { history, best: stopper && stopper.bestEpoch >= 0 ? stopper.bestEpoch + 1 : null };
    };
    const model = sequenceNetwork(ds, kind, settings, settings.seed, settings.loss);
    const { history, best } = trainOne(
      model,
      sequences,
      settings.maxEpochs,
      settings.batchSize,
      settings.patience,
      options.verbose ?? 1,
    );
    const outputs = (m: Model, p: SessionPart, input: typeof sequences) => m.predict(input(p)).data;
    const threshold = kind.threshold(ds.validation, outputs(model, ds.validation, sequences));

    let baselines: BaselineRun[] | null = null;
    if (options.baselines ?? true) {
      // The tables' recipe network on what a session adds up to, with the order of events left out.
      const dense = kind.network(
        { hidden: [64, 32], dropout: 0.2, learningRate: 0.001 },
        settings.seed,
        0,
        settings.loss,
      );
      trainOne(dense, aggregates, autoEpochs(ds.train.rows, 32), 32, 20, 0);
      const t = kind.threshold(ds.validation, outputs(dense, ds.validation, aggregates));
      baselines = [
        {
          name: 'dense network on aggregates',
          key: 'aggregates',
          report: kind.report(ds.test, outputs(dense, ds.test, aggregates), t),
        },
        kind.trivial(ds.train, ds.test),
      ];
    }
    const cats = ds.state.columns.filter((c) => c.kind === 'categorical').length;
    return {
      task: kind.task,
      model,
      label: kind.label,
      prepared: ds,
      threshold,
      validation: kind.report(ds.validation, outputs(model, ds.validation, sequences), threshold),
      test: kind.report(ds.test, outputs(model, ds.test, sequences), threshold),
      baselines,
      history: history.history,
      epochsRun: history.epoch.length,
      bestEpoch: best,
      members: [{ epochs: history.epoch.length, best }],
      parts: {
        train: summarize(kind, ds.train),
        validation: summarize(kind, ds.validation),
        test: summarize(kind, ds.test),
      },
      settings,
      seconds: (performance.now() - started) / 1000,
      unit: 'sessions',
      features: F,
      example: [T, F],
      inputs:
        `network: ${settings.model.toUpperCase()}(${settings.units}) over the last ${T} events of each session ` +
        `(${cats} text column${cats === 1 ? '' : 's'} embedded in ${settings.embedding} numbers each, ${F - 1 - cats} numbers per event); ` +
        `baseline: ${A} aggregates per session`,
      preprocessing: { kind: 'events', state: ds.state },
    };
  });
}
