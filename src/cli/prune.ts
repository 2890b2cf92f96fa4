import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SCORE_ADVICE } from '../data/advice.js';
import { classStrata, type PreparedPart, quantileBins, trainingTarget } from '../data/dataset.js';
import { encodeCsvFile } from '../data/encode-file.js';
import { Growable } from '../data/growable.js';
import { classWeights, randomOversample } from '../data/imbalance.js';
import { stratifiedSplit } from '../data/split.js';
import { saveModel } from '../io/save.js';
import { Adam } from '../optim/adam.js';
import { TRAIN_DEFAULTS } from '../tabular/defaults.js';
import { TaskKind, type TaskReport } from '../tabular/tasks.js';
import type { Model } from '../training/model.js';
import type { Verbosity } from '../training/progress.js';
import { kernelSparsity, MagnitudePruning, type PruningScope } from '../training/pruning.js';
import { loadTrained, type TrainedModel, unseenLines } from './model-dir.js';
import { delimiter, ENCODINGS, oneOf, positiveInt, positiveNumber, rate } from './options.js';
import { checkOutputFolder } from './output.js';
import { ReadProgress } from './read-progress.js';

export interface PruneCliOptions {
  model: string;
  data: string;
  sparsity: number;
  out?: string;
  epochs: number;
  perLayer?: boolean;
  learningRate?: number;
  frequency?: number;
  delimiter?: string;
  encoding: 'utf8' | 'latin1';
  quiet?: boolean;
}

/** Training settings saved in metadata by `tensorgrad train`; what is missing takes train's default. */
interface SavedSettings {
  seed: number;
  test: number;
  validation: number;
  batchSize: number;
  balance: string;
  learningRate: number;
  loss: string;
}

export function savedSettings(metadata: Record<string, unknown>): {
  settings: SavedSettings;
  saved: boolean;
} {
  const s = (metadata.settings ?? null) as Record<string, unknown> | null;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const network = (s?.network ?? {}) as Record<string, unknown>;
  const d = TRAIN_DEFAULTS;
  const saved = s !== null && typeof s.seed === 'number' && typeof s.test === 'number';
  return {
    saved,
    settings: {
      seed: num(s?.seed, d.seed),
      test: num(s?.test, d.test),
      validation: num(s?.validation, d.validation),
      batchSize: num(s?.batchSize, d.batchSize),
      balance: typeof s?.balance === 'string' ? s.balance : d.balance,
      learningRate: num(network.learningRate, d.learningRate),
      loss: typeof s?.loss === 'string' ? s.loss : 'mse',
    },
  };
}

/** Every row of the file encoded by the model's own preprocessing, with its label. */
export async function encodeAll(
  trained: TrainedModel,
  o: Pick<PruneCliOptions, 'data' | 'delimiter' | 'encoding' | 'quiet'>,
) {
  const preprocessor = trained.preprocessor!;
  const features = preprocessor.numFeatures;
  const x = new Growable((n) => new Float32Array(n));
  const y = new Growable((n) => new Float64Array(n));
  const progress = new ReadProgress(o.quiet);
  try {
    const { rows, unseen } = await encodeCsvFile(
      o.data,
      preprocessor,
      {
        delimiter: o.delimiter,
        encoding: o.encoding,
        advice: SCORE_ADVICE,
        labels: 'require',
        onProgress: (p) => progress.update('reading', p),
      },
      {
        block: (b) => {
          for (let i = 0; i < b.rows * features; i++) x.push(b.x[i]);
          for (let i = 0; i < b.rows; i++) y.push(b.y![i]);
        },
      },
    );
    return { x: x.toArray(), y: y.toArray(), rows, features, unseen };
  } finally {
    progress.done();
  }
}

export function part(
  x: Float32Array,
  y: Float64Array,
  features: number,
  indices: Int32Array,
  target: (v: number) => number,
): PreparedPart {
  const px = new Float32Array(indices.length * features);
  const py = new Float32Array(indices.length);
  indices.forEach((r, i) => {
    px.set(x.subarray(r * features, (r + 1) * features), i * features);
    py[i] = target(y[r]);
  });
  return { x: px, y: py, rows: indices.length, indices };
}

const f4 = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(4));
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** The headline metrics of a task's report, as name/value pairs. */
export function headline(r: TaskReport): Array<[string, number | null]> {
  if (r.task === 'binary') {
    return [
      ['ROC-AUC', r.rocAuc],
      ['accuracy', r.accuracy],
      ['F1', r.f1],
    ];
  }
  if (r.task === 'multiclass') {
    return [
      ['accuracy', r.accuracy],
      ['macro F1', r.macroF1],
      ['log loss', r.logLoss],
    ];
  }
  return [
    ['RMSE', r.rmse],
    ['MAE', r.mae],
    ['R²', r.r2],
  ];
}

export interface PruneResult {
  before: TaskReport;
  after: TaskReport;
  sparsity: ReturnType<typeof kernelSparsity>;
  threshold: number | null;
  sameSplit: boolean;
}

/**
 * The model's preprocessing applied to the whole file, and the training run's split drawn again
 * with its saved seed and shares (the same rows when the file is the one it was trained on, which
 * is said either way): what prune and quantize evaluate and fine-tune or calibrate on.
 */
export async function reproduceSplit(
  trained: TrainedModel,
  o: Pick<PruneCliOptions, 'data' | 'delimiter' | 'encoding' | 'quiet'>,
  log: (line: string) => void,
) {
  const { settings, saved } = savedSettings(trained.metadata);
  const { x, y, rows, features, unseen } = await encodeAll(trained, o);
  for (const line of unseenLines(unseen)) log(line);
  const label = trained.label;
  const strata = label.task === 'regression' ? quantileBins(y, 10) : classStrata(y, label);
  const split = stratifiedSplit(strata, {
    test: settings.test,
    validation: settings.validation,
    seed: settings.seed,
  });
  const trainedOn = trained.metadata.trainedOn;
  const sameSplit = saved && typeof trainedOn === 'string' && resolve(trainedOn) === resolve(o.data);
  const shares = `seed ${settings.seed}, test ${settings.test}, validation ${settings.validation}`;
  log(`${o.data}: ${rows} rows, ${features} features after the model's preprocessing`);
  log(
    sameSplit
      ? `split: the training run's split reproduced (${shares}): ${split.train.length} training, ${split.validation.length} validation, ${split.test.length} test rows`
      : `split: a FRESH stratified split of this file (${shares}${saved ? '' : ', train defaults: the model has no saved settings'}); it is not the training run's split (${saved ? `the model was trained on '${String(trainedOn)}'` : 'unknown'}), so test rows may have been seen in training`,
  );
  return { settings, x, y, rows, features, label, split, sameSplit };
}

export async function runPrune(
  o: PruneCliOptions,
  log: (line: string) => void = console.log,
): Promise<PruneResult> {
  if (!(o.sparsity >= 0 && o.sparsity < 1)) {
    throw new Error(`--sparsity must be in [0, 1), got ${o.sparsity}`);
  }
  if (!existsSync(o.model) || !statSync(o.model).isDirectory()) {
    throw new Error(`--model: '${o.model}' is not a folder; give one written by 'tensorgrad train --out'`);
  }
  if (o.out !== undefined) {
    if (resolve(o.out) === resolve(o.model)) {
      throw new Error(`--out: '${o.out}' is the model's own folder; write the pruned model to another one`);
    }
    checkOutputFolder('--out', o.out);
  }
  const trained = loadTrained(o.model);
  if (trained.preprocessor === null) {
    throw new Error(
      `${o.model}: this model was trained on event logs (--sequence-by); prune works on models of tables only`,
    );
  }
  const { settings, x, y, rows, features, label, split, sameSplit } = await reproduceSplit(trained, o, log);
  const target = trainingTarget(label);
  const train = part(x, y, features, split.train, target);
  const validation = part(x, y, features, split.validation, target);
  const test = part(x, y, features, split.test, target);
  if (train.rows === 0 || validation.rows === 0 || test.rows === 0) {
    throw new Error(`${o.data}: ${rows} rows are too few for training, validation and test rows`);
  }
  const kind = new TaskKind(label);
  const model = trained.model;
  const outputs = (m: Model, p: PreparedPart) => m.predict({ data: p.x, shape: [p.rows, features] }).data;
  const before = kind.report(test, outputs(model, test), trained.threshold);
  const initial = kernelSparsity(model);

  // Fine-tuning: the run's loss and Adam, the schedule over the first two thirds of the steps.
  const loss =
    kind.task === 'binary'
      ? 'binaryCrossentropy'
      : kind.task === 'multiclass'
        ? 'sparseCategoricalCrossentropy'
        : (settings.loss as 'mse' | 'mae' | 'huber');
  const lr = o.learningRate ?? settings.learningRate;
  model.compile({
    optimizer: new Adam({ learningRate: lr }),
    loss,
    metrics: kind.task === 'regression' ? ['mae'] : ['accuracy'],
  });
  let fitX = { data: train.x, shape: [train.rows, features] };
  let fitY = train.y;
  let classWeight: Record<number, number> | undefined;
  if (settings.balance === 'weights' && kind.task !== 'regression') classWeight = classWeights(train.y);
  if (settings.balance === 'oversample' && kind.task !== 'regression') {
    const idx = randomOversample(train.y, undefined, { seed: settings.seed });
    const ox = new Float32Array(idx.length * features);
    const oy = new Float32Array(idx.length);
    idx.forEach((r, i) => {
      ox.set(train.x.subarray(r * features, (r + 1) * features), i * features);
      oy[i] = train.y[r];
    });
    fitX = { data: ox, shape: [idx.length, features] };
    fitY = oy;
  }
  const steps = o.epochs * Math.ceil(fitY.length / settings.batchSize);
  const endStep = Math.max(1, Math.floor((2 * steps) / 3));
  const frequency = o.frequency ?? Math.max(1, Math.min(100, Math.floor(endStep / 10)));
  const scope: PruningScope = o.perLayer ? 'perLayer' : 'global';
  const pruning = new MagnitudePruning({ sparsity: o.sparsity, scope, endStep, frequency });
  log(
    `pruning: ${scope === 'global' ? 'global' : 'per layer'} magnitude pruning of the Dense kernels to ${pct(o.sparsity)}, cubic schedule over ${endStep} of ${steps} steps (masks every ${frequency} steps), ${o.epochs} epochs of Adam (learning rate ${lr})`,
  );
  model.fit(fitX, kind.targets(fitY), {
    epochs: o.epochs,
    batchSize: settings.batchSize,
    validationData: [{ data: validation.x, shape: [validation.rows, features] }, kind.targets(validation.y)],
    classWeight,
    callbacks: [pruning],
    seed: settings.seed,
    verbose: (o.quiet ? 0 : 1) as Verbosity,
  });
  pruning.release();
  const threshold = kind.threshold(validation, outputs(model, validation));
  const after = kind.report(test, outputs(model, test), threshold);
  const sparsity = kernelSparsity(model);

  log('');
  log(`test rows: ${test.rows}`);
  const b = headline(before);
  const a = headline(after);
  log(`${''.padEnd(10)}${'before'.padStart(10)}${'after'.padStart(10)}${'change'.padStart(10)}`);
  b.forEach(([name, v], i) => {
    const w = a[i][1];
    const change = v === null || w === null ? 'n/a' : `${w - v >= 0 ? '+' : ''}${(w - v).toFixed(4)}`;
    log(`${name.padEnd(10)}${f4(v).padStart(10)}${f4(w).padStart(10)}${change.padStart(10)}`);
  });
  if (kind.task === 'binary') {
    log(
      `threshold: ${f4(trained.threshold)} before, ${f4(threshold)} after (chosen again on the validation rows)`,
    );
  }
  log('sparsity of the Dense kernels (zeros / weights):');
  sparsity.layers.forEach((l, i) => {
    log(
      `  ${l.name.padEnd(10)} ${String(l.zeros).padStart(7)} / ${String(l.size).padEnd(7)} ${pct(l.sparsity).padStart(8)}  (was ${pct(initial.layers[i].sparsity)})`,
    );
  });
  log(
    `  ${'all'.padEnd(10)} ${String(sparsity.total.zeros).padStart(7)} / ${String(sparsity.total.size).padEnd(7)} ${pct(sparsity.total.sparsity).padStart(8)}  (was ${pct(initial.total.sparsity)})`,
  );
  const kept = (t: { size: number; zeros: number }) => t.size - t.zeros;
  if (initial.total.zeros > 0) {
    log(
      `  non-zero weights: ${kept(initial.total)} before, ${kept(sparsity.total)} after (${pct(1 - kept(sparsity.total) / kept(initial.total))} of them pruned; the rest were zero already, e.g. an averaged ensemble's block-diagonal kernels)`,
    );
  }
  if (o.out !== undefined) {
    saveModel(o.out, model, {
      preprocessing: trained.preprocessor.toJSON(),
      metadata: {
        ...trained.metadata,
        threshold,
        pruning: {
          from: o.model,
          data: o.data,
          sparsity: o.sparsity,
          scope,
          epochs: o.epochs,
          learningRate: lr,
          sameSplit,
          layers: sparsity.layers,
          before: Object.fromEntries(b),
          after: Object.fromEntries(a),
        },
      },
    });
    log(`wrote ${resolve(o.out, 'model.json')}`);
  }
  return { before, after, sparsity, threshold, sameSplit };
}

export function addPruneCommand(program: Command): void {
  program
    .command('prune')
    .description(
      'prune the Dense kernels of a trained model by magnitude, fine-tune, and report test metrics before and after',
    )
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out' (a model of a table)")
    .requiredOption('--sparsity <share>', 'share of kernel weights set to zero, in [0, 1)', rate)
    .requiredOption('--data <file>', 'the CSV file the model was trained on (split again as training did)')
    .option('--out <dir>', 'write the pruned model here (loadable by evaluate and predict)')
    .option('--epochs <n>', 'epochs of fine-tuning', positiveInt, 10)
    .option('--per-layer', 'prune each layer to the sparsity (default: one magnitude cut over all layers)')
    .option('--learning-rate <lr>', "Adam learning rate (default: the training run's)", positiveNumber)
    .option(
      '--frequency <steps>',
      'steps between mask updates (default: a tenth of the schedule, at most 100)',
      positiveInt,
    )
    .option('--delimiter <char>', 'field separator (default: detected)', delimiter)
    .option('--encoding <name>', 'utf8 (checked) or latin1', oneOf(ENCODINGS), 'utf8')
    .option('--quiet', 'no progress bar')
    .action(async (opts: PruneCliOptions) => {
      await runPrune(opts);
    });
}
