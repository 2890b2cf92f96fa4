import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  Generator,
  huber,
  Model,
  type ModelOptions,
  mae,
  SGD,
  Softmax,
  Tensor,
} from '../../src/index.js';
import { nonlinearProblem } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: what a JavaScript caller can pass
type Loose = any;

/** Three classes around three centres in 2-D: rows as nested arrays, labels as class indices. */
function threeClasses(rows: number, seed: number): { x: number[][]; labels: number[]; oneHot: number[][] } {
  const g = new Generator(seed);
  const centres = [
    [0, 2],
    [2, -1],
    [-2, -1],
  ];
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    x.push([centres[c][0] + g.normal() * 0.6, centres[c][1] + g.normal() * 0.6]);
    labels.push(c);
  }
  return { x, labels, oneHot: labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))) };
}

const classifier = (last: 'dense-softmax' | 'softmax-layer' = 'dense-softmax', options: ModelOptions = {}) =>
  new Model(
    last === 'dense-softmax'
      ? [new Dense(8, { activation: 'relu' }), new Dense(3, { activation: 'softmax' })]
      : [new Dense(8, { activation: 'relu' }), new Dense(3), new Softmax()],
    { seed: 5, ...options },
  );

const same = (a: ArrayLike<number>[], b: ArrayLike<number>[]) =>
  a.length === b.length &&
  a.every((w, i) => w.length === b[i].length && Array.from(w).every((v, k) => v === b[i][k]));

describe('plain nested arrays', () => {
  it('fit, evaluate and predict take number[][] rows and number[] targets', () => {
    const { x, labels } = threeClasses(90, 1);
    const model = classifier();
    model.compile({
      optimizer: new Adam({ learningRate: 0.05 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const history = model.fit(x, labels, { epochs: 20, batchSize: 16, verbose: 0 });
    expect(history.history.accuracy.at(-1)).toBeGreaterThan(0.9);
    const logs = model.evaluate(x, labels);
    expect(logs.accuracy).toBeGreaterThan(0.9);
    const probs = model.predict(x.slice(0, 3));
    expect(probs.shape).toEqual([3, 3]);
    const rows = probs.toArray() as number[][];
    rows.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row.indexOf(Math.max(...row))).toBe(labels[i]);
    });
    // The same rows as a Tensor give the same predictions.
    expect(model.predict(new Tensor(Float32Array.from(x.slice(0, 3).flat()), [3, 2])).data).toEqual(
      probs.data,
    );
  });

  it('names a ragged row, a cell that is not a number and a flat x', () => {
    const model = classifier().compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(() => model.fit([[1, 2], [3]], [0, 1], { verbose: 0 })).toThrow(
      'fit: x[1] has 1 values but x[0] has 2; every row needs the same length',
    );
    expect(() =>
      model.fit(
        [
          [1, 2],
          [3, '4' as Loose],
        ],
        [0, 1],
        { verbose: 0 },
      ),
    ).toThrow("fit: x[1][1] is the string '4', not a number");
    expect(() => model.predict([1, 2, 3] as Loose)).toThrow(
      'predict: x must be 2-D: rows as arrays (number[][]), a Tensor or { data, shape: [rows, features] }, not a flat array',
    );
    expect(() => model.fit([[1, 2]], [Number.NaN], { verbose: 0 })).toThrow(
      'fit: y has a non-finite value (NaN) at row 0, column 0',
    );
  });
});

describe('sparse integer class targets', () => {
  it('train exactly as the same classes one-hot with categoricalCrossentropy', () => {
    const { x, labels, oneHot } = threeClasses(60, 2);
    const sparse = classifier();
    sparse.compile({ optimizer: new SGD({ lr: 0.1 }), loss: 'sparse_categorical_crossentropy' });
    sparse.fit(x, labels, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
    const dense = classifier();
    dense.compile({ optimizer: new SGD({ lr: 0.1 }), loss: 'categoricalCrossentropy' });
    dense.fit(x, oneHot, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
    expect(same(sparse.getWeights(), dense.getWeights())).toBe(true);
    // [rows, 1] targets are the same as [rows].
    const column = classifier();
    column.compile({ optimizer: new SGD({ lr: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    column.fit(x, { data: labels, shape: [60, 1] }, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
    expect(same(sparse.getWeights(), column.getWeights())).toBe(true);
  });

  it("Dense({ activation: 'softmax' }) trains as Dense + Softmax layer: both through the fused head", () => {
    const { x, labels } = threeClasses(60, 3);
    const run = (last: 'dense-softmax' | 'softmax-layer') => {
      const m = classifier(last);
      m.compile({ optimizer: new SGD({ lr: 0.2 }), loss: 'sparseCategoricalCrossentropy' });
      m.fit(x, labels, { epochs: 2, batchSize: 10, verbose: 0, seed: 4 });
      return m;
    };
    const a = run('dense-softmax');
    const b = run('softmax-layer');
    expect(same(a.getWeights(), b.getWeights())).toBe(true);
    expect(a.predict(x).data).toEqual(b.predict(x).data);
  });

  it('accuracy, logLoss and macro F1 on class indices; the loss equals logLoss', () => {
    const { x, labels } = threeClasses(60, 4);
    const m = classifier('dense-softmax', { dtype: 'float64' });
    m.compile({
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy', 'sparse_categorical_accuracy', 'logLoss', 'macroF1', 'weightedF1'],
    });
    m.fit(x, labels, { epochs: 5, verbose: 0 });
    const logs = m.evaluate(x, labels);
    const probs = m.predict(x).toArray() as number[][];
    const hits = probs.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length;
    expect(logs.accuracy).toBe(hits / 60);
    expect(logs.sparse_categorical_accuracy).toBe(hits / 60);
    expect(logs.logLoss).toBeCloseTo(logs.loss, 10);
    expect(logs.macroF1).toBeGreaterThan(0);
    expect(logs.weightedF1).toBeGreaterThan(0);
  });

  it('refuses class indices outside the model outputs, one-hot rows for a sparse loss and indices for a one-hot loss', () => {
    const { x, labels, oneHot } = threeClasses(9, 5);
    const sparse = classifier().compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    expect(() => sparse.fit(x, [...labels.slice(0, 8), 3], { verbose: 0 })).toThrow(
      "fit: y[8] is 3; 'sparseCategoricalCrossentropy' needs class indices 0..2 (the model outputs 3 classes)",
    );
    expect(() => sparse.fit(x, [...labels.slice(0, 8), 0.5], { verbose: 0 })).toThrow(/y\[8\] is 0.5/);
    expect(() => sparse.fit(x, oneHot, { verbose: 0 })).toThrow(
      "fit: y has 3 columns; 'sparseCategoricalCrossentropy' takes one class index per row ([rows] or [rows, 1]); for one-hot targets use 'categoricalCrossentropy'",
    );
    const categorical = classifier().compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    expect(() => categorical.fit(x, labels, { verbose: 0 })).toThrow(
      "fit: y has 1 column but the model outputs 3 classes; pass one-hot rows, or class indices with loss 'sparseCategoricalCrossentropy'",
    );
    expect(() =>
      sparse.evaluate(
        x,
        labels.map((c) => c + 5),
      ),
    ).toThrow(/evaluate: y\[0\] is 5/);
  });

  it('a softmax loss on a model without a softmax names the logits loss', () => {
    const m = new Model([new Dense(3, { inputDim: 2 })]);
    expect(() => m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' })).toThrow(
      "compile: 'sparseCategoricalCrossentropy' expects the model to end in a softmax (Dense({ activation: 'softmax' }), Softmax or Activation('softmax')); it ends in Dense with activation 'linear'. For logits use 'sparseSoftmaxCrossEntropy'",
    );
    m.compile({
      optimizer: new Adam({ lr: 0.05 }),
      loss: 'sparseSoftmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const { x, labels } = threeClasses(30, 6);
    const h = m.fit(x, labels, { epochs: 30, verbose: 0 });
    expect(h.history.accuracy.at(-1)).toBeGreaterThan(0.8);
  });
});

describe('sampleWeight', () => {
  const problem = () => {
    const { x, y } = nonlinearProblem(64, 7);
    return { x: new Tensor(x, [64, 10]), y };
  };
  const binary = () =>
    new Model([new Dense(4, { activation: 'tanh' }), new Dense(1, { activation: 'sigmoid' })], {
      seed: 9,
      dtype: 'float64',
    });
  const fitWith = (lr: number, options: object) => {
    const { x, y } = problem();
    const m = binary();
    m.compile({ optimizer: new SGD({ lr }), loss: 'binaryCrossentropy' });
    m.fit(x, y, { epochs: 2, batchSize: 64, shuffle: false, verbose: 0, ...options });
    return m.getWeights();
  };

  it('multiplies each row in the loss: weights of 2 are a learning rate twice as large', () => {
    const doubled = fitWith(0.1, { sampleWeight: new Array(64).fill(2) });
    const faster = fitWith(0.2, {});
    doubled.forEach((w, i) => {
      w.forEach((v, k) => {
        expect(v).toBeCloseTo(faster[i][k], 12);
      });
    });
  });

  it('combines with classWeight by multiplication, as Keras does', () => {
    const { y } = problem();
    const sample = Array.from({ length: 64 }, (_, i) => 0.5 + (i % 4) / 4);
    const both = fitWith(0.1, { sampleWeight: sample, classWeight: { 0: 1, 1: 3 } });
    const folded = fitWith(0.1, { sampleWeight: sample.map((w, i) => w * (y[i] === 1 ? 3 : 1)) });
    expect(same(both, folded)).toBe(true);
    const unweighted = fitWith(0.1, {});
    expect(same(both, unweighted)).toBe(false);
  });

  it('zero weights drop rows, and the weights follow the rows into validationSplit', () => {
    const { x, y } = problem();
    const m = binary().compile({ optimizer: new SGD({ lr: 0.1 }), loss: 'binaryCrossentropy' });
    const w = Array.from({ length: 64 }, (_, i) => (i < 48 ? 1 : 0));
    // Only the first 48 rows train; the last 16 are validation rows whatever their weight.
    expect(() => m.fit(x, y, { sampleWeight: w, validationSplit: 0.25, verbose: 0 })).not.toThrow();
    expect(() => m.fit(x, y, { sampleWeight: w.slice(1), verbose: 0 })).toThrow(
      'fit: sampleWeight must hold one weight per row of x (64), got 63 x 1 values',
    );
    expect(() => m.fit(x, y, { sampleWeight: w.map((v) => -v), verbose: 0 })).toThrow(
      'fit: sampleWeight[0] is -1; weights must be >= 0',
    );
  });

  it('per-row weights on a sparse softmax loss', () => {
    const { x, labels } = threeClasses(30, 8);
    const run = (options: object) => {
      const m = classifier().compile({
        optimizer: new SGD({ lr: 0.1 }),
        loss: 'sparseCategoricalCrossentropy',
      });
      m.fit(x, labels, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0, ...options });
      return m.getWeights();
    };
    const weighted = run({ classWeight: { 0: 2, 1: 1, 2: 1 } });
    const same0 = run({ sampleWeight: labels.map((c) => (c === 0 ? 2 : 1)) });
    expect(same(weighted, same0)).toBe(true);
    expect(same(weighted, run({}))).toBe(false);
  });
});

describe('loss and metric names', () => {
  const regression = (rows = 80) => {
    const g = new Generator(11);
    const x = Array.from({ length: rows }, () => [g.normal(), g.normal()]);
    const y = x.map(([a, b]) => 2 * a - b + 0.5);
    return { x, y };
  };
  const linear = () => new Model([new Dense(1, { inputDim: 2 })], { seed: 3, dtype: 'float64' });

  it("'mae' / 'mean_absolute_error' and 'huber' train a regression; the loss is the op's value", () => {
    const { x, y } = regression();
    for (const loss of ['mae', 'meanAbsoluteError', 'mean_absolute_error', 'huber'] as const) {
      const m = linear();
      m.compile({ optimizer: new SGD({ lr: 0.05 }), loss, metrics: ['mae', 'mse', 'rmse', 'r2'] });
      const first = m.evaluate(x, y).loss;
      m.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0 });
      const logs = m.evaluate(x, y);
      expect(logs.loss).toBeLessThan(first / 5);
      const pred = m.predict(x);
      const target = new Tensor(Float64Array.from(y), [80, 1]);
      const op = loss === 'huber' ? huber(pred, target) : mae(pred, target);
      expect(logs.loss).toBeCloseTo(op.item(), 12);
      expect(logs.rmse).toBeCloseTo(Math.sqrt(logs.mse), 12);
      expect(logs.r2).toBeGreaterThan(0.9);
      if (loss !== 'huber') expect(logs.mae).toBeCloseTo(logs.loss, 12);
    }
  });

  it("metric names fold case and Keras's spellings; the log keeps Keras's names", () => {
    const { x, y } = nonlinearProblem(120, 3);
    const m = new Model([new Dense(8, { activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], {
      seed: 2,
    });
    m.compile({
      optimizer: 'adam',
      loss: 'binary_crossentropy',
      metrics: ['AUC', 'Precision', 'recall', 'binary_accuracy', 'mse'],
    });
    const h = m.fit({ data: x, shape: [120, 10] }, y, { epochs: 2, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'auc', 'precision', 'recall', 'binary_accuracy', 'mse']);
  });

  it('an unknown loss or a metric of another task names what is supported', () => {
    const m = linear();
    expect(() => m.compile({ optimizer: 'adam', loss: 'poisson' as Loose })).toThrow(
      "compile: unknown loss 'poisson'; use one of binaryCrossentropy, bceWithLogits, mse, mae, huber, categoricalCrossentropy, softmaxCrossEntropy, sparseCategoricalCrossentropy, sparseSoftmaxCrossEntropy (Keras's snake_case spellings work too)",
    );
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['auc'] })).toThrow(
      "compile: metric 'auc' is not available for regression losses; use one of mse, mae, rmse, r2 (it exists for binary losses)",
    );
    expect(() =>
      classifier().compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['auc'] }),
    ).toThrow(
      "compile: metric 'auc' is not available for categorical losses; use one of accuracy, logLoss, macroF1, weightedF1 (it exists for binary losses)",
    );
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['kappa'] })).toThrow(
      "compile: metric 'kappa' is not available for regression losses; use one of mse, mae, rmse, r2",
    );
  });
});
