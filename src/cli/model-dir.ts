import { SCORE_ADVICE } from '../data/advice.js';
import type { UnseenValues } from '../data/encode.js';
import { encodeCsvFile } from '../data/encode-file.js';
import type { EventLogState } from '../data/events.js';
import { type LabelSpec, type Task, taskOf } from '../data/label.js';
import { Preprocessor } from '../data/preprocess.js';
import { loadModel } from '../io/save.js';
import type { Model } from '../training/model.js';
import { eventStateOf } from './events.js';
import { ReadProgress } from './read-progress.js';

export interface TrainedModel {
  model: Model;
  /** How a table's rows encode (null for a model of event logs). */
  preprocessor: Preprocessor | null;
  /** How an event log encodes, for a model trained with --sequence-by; else null. */
  events: EventLogState | null;
  /** The label it predicts, and so the task. */
  label: LabelSpec;
  task: Task;
  /** The decision threshold of a binary model (chosen in training); null for the other tasks. */
  threshold: number | null;
  metadata: Record<string, unknown>;
}

/** A run folder written by `tensorgrad train --out DIR`: the model, its preprocessing and threshold. */
export function loadTrained(dir: string): TrainedModel {
  const { model, preprocessing, metadata } = loadModel(dir);
  if (preprocessing === null || preprocessing === undefined) {
    throw new Error(
      `${dir}: this model was saved without its preprocessing; train it with 'tensorgrad train'`,
    );
  }
  const p = preprocessing as Record<string, unknown>;
  if (typeof p === 'object' && p.kind === 'events') {
    const events = eventStateOf(dir, p);
    const label = events.label;
    const task = taskOf(label);
    const threshold =
      task !== 'binary' ? null : typeof metadata.threshold === 'number' ? metadata.threshold : 0.5;
    return { model, preprocessor: null, events, label, task, threshold, metadata };
  }
  const preprocessor = Preprocessor.fromJSON(preprocessing);
  const label = preprocessor.label;
  if (label === null)
    throw new Error(`${dir}: this model was saved without its label; train it with 'tensorgrad train'`);
  const task = taskOf(label);
  const threshold =
    task !== 'binary' ? null : typeof metadata.threshold === 'number' ? metadata.threshold : 0.5;
  return { model, preprocessor, events: null, label, task, threshold, metadata };
}

export interface ScoreFileOptions {
  delimiter?: string;
  encoding?: 'utf8' | 'latin1';
  /** A category unseen in training is an error instead of a counted all-zeros encoding. */
  strict?: boolean;
  quiet?: boolean;
  /** Labels are read (and required) for evaluation, ignored for prediction. */
  labels: 'require' | 'ignore';
  keepRecords?: boolean;
}

/**
 * A block of scored records: the model's outputs (binary: P(positive) per row; multiclass: rows x
 * classes probabilities; regression: the predicted number on the file's scale), the labels when
 * read (0/1, class index, number), each record's bytes when kept.
 */
export interface ScoredBlock {
  outputs: Float32Array | Float64Array;
  labels: Float64Array | null;
  rows: number;
  record(j: number): Uint8Array;
}

/**
 * Streams a CSV file through the model in blocks: each block is encoded, scored and handed
 * to `onBlock` before the next is read, so memory stays at one block whatever the file size.
 */
export async function scoreFile(
  trained: TrainedModel,
  path: string,
  options: ScoreFileOptions,
  handlers: {
    start?(info: { headerBytes: Uint8Array; delimiter: string }): Promise<void> | void;
    block(block: ScoredBlock): Promise<void> | void;
  },
): Promise<{ rows: number; delimiter: string; unseen: UnseenValues[] }> {
  const preprocessor = trained.preprocessor;
  if (preprocessor === null) {
    throw new Error('this model was trained on event logs (--sequence-by); score event logs with it');
  }
  const progress = new ReadProgress(options.quiet);
  const features = preprocessor.numFeatures;
  const { label } = trained;
  const scale =
    label.task === 'regression'
      ? (z: Float32Array | Float64Array) => Float64Array.from(z, (v) => v * label.std + label.mean)
      : (z: Float32Array | Float64Array) => z;
  try {
    return await encodeCsvFile(
      path,
      preprocessor,
      {
        delimiter: options.delimiter,
        encoding: options.encoding,
        strict: options.strict,
        advice: SCORE_ADVICE,
        labels: options.labels,
        keepRecords: options.keepRecords,
        onProgress: (p) => progress.update('scoring', p),
      },
      {
        start: handlers.start,
        block: (b) => {
          const outputs = scale(trained.model.predict({ data: b.x, shape: [b.rows, features] }).data);
          return handlers.block({ outputs, labels: b.y, rows: b.rows, record: b.record });
        },
      },
    );
  } finally {
    progress.done();
  }
}

/** One line per column where values unseen in training were met (they encode as all zeros). */
export function unseenLines(unseen: readonly UnseenValues[]): string[] {
  return unseen.map((u) => {
    const examples = u.examples.map((e, k) =>
      k === 0 ? `'${e.value}' first on row ${e.line}` : `'${e.value}'`,
    );
    return (
      `note: column '${u.column}': ${u.count} row${u.count === 1 ? '' : 's'} with values not seen in training ` +
      `(${examples.join(', ')}${u.count > u.examples.length ? ', ...' : ''}), scored as none of the known ` +
      'categories; --strict makes this an error'
    );
  });
}
