/**
 * What changes with the task of a table's label: the network's head and loss, the targets it fits,
 * how its outputs become a report, and the two baselines a result is read against.
 *
 * | task       | head                      | targets              | report                          | baselines                          |
 * | binary     | Dense(1, sigmoid), BCE    | 0/1                  | accuracy ... ROC-AUC, threshold | always negative, logistic regr.    |
 * | multiclass | Dense(K), Softmax, sparse CE | class index     | accuracy, macro/weighted F1 ... | majority class, softmax regression |
 * | regression | Dense(1), MSE / MAE / Huber | standardized number  | RMSE, MAE, R² (file's scale)    | training mean, linear regression   |
 */
import type { PreparedPart } from '../data/dataset.js';
import { type LabelSpec, type Task, taskOf } from '../data/label.js';
import { type MulticlassReport, multiclassReport } from '../metrics/multiclass.js';
import { type RegressionReport, regressionReport } from '../metrics/regression.js';
import { type ClassificationReport, classificationReport } from '../metrics/report.js';
import { bestThreshold } from '../metrics/threshold.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { Softmax } from '../nn/softmax.js';
import { Adam } from '../optim/adam.js';
import { AdamW } from '../optim/adamw.js';
import { Model } from '../training/model.js';
import type { NetworkSpec } from './architectures.js';

/** The losses a regression may train with (the others are fixed by their task). */
export type RegressionLoss = 'mse' | 'mae' | 'huber';
export const REGRESSION_LOSSES: readonly RegressionLoss[] = ['mse', 'mae', 'huber'];

export type TaskReport =
  | ({ task: 'binary' } & ClassificationReport)
  | ({ task: 'multiclass' } & MulticlassReport)
  | ({ task: 'regression' } & RegressionReport);

/** The task of a prepared label, with what its reports need. */
export class TaskKind {
  readonly task: Task;

  constructor(readonly label: LabelSpec) {
    this.task = taskOf(label);
  }

  /** Network outputs: the number of classes, or 1. */
  get outputs(): number {
    return this.label.task === 'multiclass' ? this.label.classes.length : 1;
  }

  /** Hidden ReLU layers with dropout, then the task's head, compiled with Adam and its loss. */
  network(spec: NetworkSpec, seed: number, weightDecay = 0, regressionLoss: RegressionLoss = 'mse'): Model {
    const layers: Module[] = [];
    for (const units of spec.hidden) {
      layers.push(new Dense(units, { activation: 'relu' }));
      if (spec.dropout > 0) layers.push(new Dropout(spec.dropout));
    }
    if (this.task === 'binary') layers.push(new Dense(1, { activation: 'sigmoid' }));
    else if (this.task === 'multiclass') layers.push(new Dense(this.outputs), new Softmax());
    else layers.push(new Dense(1));
    const model = new Model(layers, { seed });
    const loss =
      this.task === 'binary'
        ? 'binaryCrossentropy'
        : this.task === 'multiclass'
          ? 'sparseCategoricalCrossentropy'
          : regressionLoss;
    const lr = spec.learningRate;
    model.compile({
      optimizer:
        weightDecay > 0 ? new AdamW({ learningRate: lr, weightDecay }) : new Adam({ learningRate: lr }),
      loss,
      metrics: this.task === 'regression' ? ['mae'] : ['accuracy'],
    });
    return model;
  }

  /** The linear model of the task: logistic, softmax or linear regression. */
  linear(seed: number): Model {
    return this.network({ hidden: [], dropout: 0, learningRate: 0.01 }, seed);
  }

  /** The targets `fit` takes: the label as it is (0/1, a class index, a standardized number). */
  targets(y: Float32Array): { data: Float32Array; shape: number[] } {
    return { data: y, shape: [y.length, 1] };
  }

  /** A regression target or prediction back on the file's scale (identity for classes). */
  unscale(values: ArrayLike<number>): Float64Array {
    const out = Float64Array.from(values);
    if (this.label.task === 'regression') {
      const { mean, std } = this.label;
      for (let i = 0; i < out.length; i++) out[i] = out[i] * std + mean;
    }
    return out;
  }

  /** The decision threshold of a binary model, chosen on validation rows (max F1); else null. */
  threshold(validation: PreparedPart, scores: ArrayLike<number>): number | null {
    return this.task === 'binary' ? bestThreshold(validation.y, scores).threshold : null;
  }

  /** The report of a model's outputs on a part. */
  report(part: PreparedPart, outputs: ArrayLike<number>, threshold: number | null): TaskReport {
    if (this.label.task === 'multiclass') {
      return { task: 'multiclass', ...multiclassReport(part.y, outputs, this.label.classes) };
    }
    if (this.task === 'regression') {
      return { task: 'regression', ...regressionReport(this.unscale(part.y), this.unscale(outputs)) };
    }
    return { task: 'binary', ...classificationReport(part.y, outputs, threshold ?? 0.5) };
  }

  /**
   * The baseline that learns nothing from the features: always the negative class (binary), the
   * training rows' most frequent class, or their mean.
   */
  trivial(train: PreparedPart, test: PreparedPart): { name: string; key: string; report: TaskReport } {
    if (this.task === 'binary') {
      return {
        name: 'always negative',
        key: 'alwaysNegative',
        report: this.report(test, new Float32Array(test.rows), 0.5),
      };
    }
    if (this.task === 'regression') {
      let mean = 0;
      for (const v of train.y) mean += v / train.rows;
      return {
        name: 'training mean',
        key: 'trainingMean',
        report: this.report(test, new Float32Array(test.rows).fill(mean), null),
      };
    }
    const k = this.outputs;
    const counts = new Float64Array(k);
    for (const v of train.y) counts[v]++;
    const majority = counts.indexOf(Math.max(...counts));
    const probs = new Float32Array(test.rows * k);
    for (let i = 0; i < test.rows; i++) probs[i * k + majority] = 1;
    return { name: 'majority class', key: 'majorityClass', report: this.report(test, probs, null) };
  }

  /** The name of the linear baseline in reports, and its key in metrics.json. */
  get linearName(): { name: string; key: string } {
    if (this.task === 'binary') return { name: 'logistic regression', key: 'logisticRegression' };
    if (this.task === 'multiclass') return { name: 'softmax regression', key: 'softmaxRegression' };
    return { name: 'linear regression', key: 'linearRegression' };
  }
}

/**
 * Several networks of the same shape (trained from different seeds) as ONE network that outputs
 * the mean of their outputs before the last activation (their logits, or their values for a
 * regression): the first hidden layers side by side, each later hidden layer block-diagonal (a
 * member's units see only that member's units), and a last layer that averages. An exact copy of
 * the averaged ensemble that saves, loads and exports like any network. Dropout is off outside
 * training, so its layers carry over as they are.
 */
export function ensembleNetwork(
  members: readonly Model[],
  kind: TaskKind,
  spec: NetworkSpec,
  seed: number,
): Model {
  const n = members.length;
  if (n === 1) return members[0];
  const wide = kind.network({ ...spec, hidden: spec.hidden.map((u) => u * n) }, seed);
  const dense = (m: Model) => m.layers.filter((l): l is Dense => l instanceof Dense);
  const inputDim = members[0].inputDim!;
  wide.build(inputDim);
  const parts = members.map(dense);
  const target = dense(wide);
  target.forEach((layer, d) => {
    const kernel = layer.kernel!.data;
    const bias = layer.bias!.data;
    kernel.fill(0);
    bias.fill(0);
    const last = d === target.length - 1;
    const outs = parts[0][d].units; // a member's units in this layer
    const ins = d === 0 ? inputDim : parts[0][d - 1].units;
    const width = layer.units; // the wide layer's units
    parts.forEach((p, k) => {
      const src = p[d].kernel!.data;
      const b = p[d].bias!.data;
      // Rows: the member's own inputs (all inputs for the first layer); columns: its own units
      // (or, for the last layer, the shared outputs, each member's share divided by n).
      const row0 = d === 0 ? 0 : k * ins;
      const col0 = last ? 0 : k * outs;
      const scale = last ? 1 / n : 1;
      for (let i = 0; i < ins; i++) {
        for (let j = 0; j < outs; j++) kernel[(row0 + i) * width + col0 + j] = src[i * outs + j] * scale;
      }
      for (let j = 0; j < outs; j++) bias[col0 + j] += b[j] * scale;
    });
  });
  return wide;
}
