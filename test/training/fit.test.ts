import { describe, expect, it } from 'vitest';
import {
  Adam,
  bce,
  type Callback,
  Dense,
  Dropout,
  EarlyStopping,
  Model,
  Sequential,
  SGD,
  Softmax,
  Tensor,
  tensor,
} from '../../src/index.js';
import { seedModel } from '../helpers/seed-model.js';
import { CaptureStream, nonlinearProblem } from './helpers.js';

const data = (rows: number, seed = 3) => {
  const { x, y } = nonlinearProblem(rows, seed);
  return { x: new Tensor(x, [rows, 10]), y };
};

describe('determinism', () => {
  it('the same seed gives bit-identical weights after training with dropout and shuffling', () => {
    const { x, y } = data(300);
    const run = (seed: number) => {
      const m = seedModel({ seed: seed });
      m.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, seed: seed + 100, validationSplit: 0.2 });
      return m.getWeights();
    };
    const a = run(7);
    const b = run(7);
    const c = run(8);
    expect(a.length).toBe(6);
    a.forEach((w, i) => {
      expect(Buffer.from(w.buffer).equals(Buffer.from(b[i].buffer))).toBe(true);
    });
    expect(a[0]).not.toEqual(c[0]);
  });
});

describe('progress output', () => {
  it('off a terminal: exactly one plain Keras-style line per epoch', () => {
    const { x, y } = data(200);
    const stream = new CaptureStream(false);
    seedModel().fit(x, y, { epochs: 3, batchSize: 32, validationSplit: 0.25, stream });
    const lines = stream.text.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(3);
    expect(stream.text.includes('\r') || stream.text.includes('\u001b')).toBe(false);
    lines.forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(
          `^Epoch ${i + 1}/3 - 5/5 - \\d+s \\d+(ms|us)/step - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - auc: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4} - val_auc: \\d\\.\\d{4}$`,
        ),
      );
    });
  });

  it('verbose 0 prints nothing', () => {
    const { x, y } = data(100);
    const stream = new CaptureStream(true);
    seedModel().fit(x, y, { epochs: 2, verbose: 0, stream });
    expect(stream.text).toBe('');
  });

  it('on a terminal draws a cli-progress bar and ends each epoch with its line', () => {
    const { x, y } = data(100);
    const stream = new CaptureStream(true);
    seedModel().fit(x, y, { epochs: 2, batchSize: 10, stream });
    expect(stream.text).toMatch(/Epoch 1\/2 \[=+\.*\] \d+\/10/);
    expect(stream.text).toMatch(/Epoch 2\/2 - 10\/10 - \d+s \d+(ms|us)\/step - loss: /);
  });
});

describe('fit', () => {
  it('stops on a non-finite loss and names the epoch and batch', () => {
    const model = new Model([new Dense(1, { inputDim: 2 })], { seed: 1 });
    model.compile({ optimizer: new SGD({ lr: 0.1 }), loss: 'mse' });
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const before = model.getWeights();
    expect(() =>
      model.fit(x, [0, 0, 3e38, 0], { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 }),
    ).toThrow(/loss became Infinity at epoch 1\/2, batch 2\/2/);
    expect(model.getWeights()[0]).not.toEqual(before[0]); // batch 1 trained, batch 2 refused
  });

  it('runs the hooks in Keras order and passes running logs to batches', () => {
    const { x, y } = data(64);
    const calls: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => calls.push('trainBegin'),
      onEpochBegin: (e) => calls.push(`epochBegin ${e}`),
      onBatchBegin: (b) => calls.push(`batchBegin ${b}`),
      onBatchEnd: (b, logs) => calls.push(`batchEnd ${b} ${logs.size} ${Number.isFinite(logs.loss)}`),
      onEpochEnd: (e, logs) => calls.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`),
      onTrainEnd: () => calls.push('trainEnd'),
    };
    seedModel().fit(x, y, { epochs: 1, batchSize: 40, verbose: 0, callbacks: [cb] });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0 40 true',
      'batchBegin 1',
      'batchEnd 1 24 true',
      'epochEnd 0 loss,accuracy,auc',
      'trainEnd',
    ]);
  });

  it('EarlyStopping stops after patience epochs and restores the best weights', () => {
    const { x, y } = data(200);
    const model = seedModel({ seed: 1, lr: 0.01 });
    const snapshots: Float32Array[][] = [];
    const keep: Callback = { onEpochEnd: () => snapshots.push(model.getWeights() as Float32Array[]) };
    // Training loss falls every epoch, so in 'max' mode only epoch 0 is ever "best".
    const stop = new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 2, restoreBestWeights: true });
    const h = model.fit(x, y, { epochs: 10, verbose: 0, callbacks: [keep, stop] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(stop.stoppedEpoch).toBe(2);
    expect(stop.bestEpoch).toBe(0);
    expect(model.getWeights()).toEqual(snapshots[0]);
    expect(model.getWeights()).not.toEqual(snapshots[2]);
  });

  it('EarlyStopping names a missing monitor', () => {
    const { x, y } = data(50);
    expect(() => seedModel().fit(x, y, { verbose: 0, callbacks: [new EarlyStopping()] })).toThrow(
      /'val_loss' is not in the epoch logs \(loss, accuracy, auc\)/,
    );
  });

  it('fused sigmoid + BCE gives the loss of Keras BCE on the probabilities', () => {
    const { x, y } = data(300);
    const model = seedModel({ seed: 2 });
    model.fit(x, y, { epochs: 2, verbose: 0 });
    const p = model.predict(x);
    const direct = bce(p, new Tensor(Float32Array.from(y), [300, 1])).item();
    expect(model.evaluate(x, y).loss).toBeCloseTo(direct, 5);
  });

  it('class weights scale each row of the loss', () => {
    const { x, y } = data(100);
    const model = seedModel({ seed: 2 });
    const plain = model.evaluate(x, y).loss;
    const opts = { epochs: 1, batchSize: 100, shuffle: false, verbose: 0 as const };
    const weighted = (cw?: Record<number, number>) => {
      const m = seedModel({ seed: 2 });
      return m.fit(x, y, { ...opts, seed: 1, classWeight: cw }).history.loss[0];
    };
    // With one batch the reported loss is that of the initial weights (as evaluate sees them, but
    // with dropout on), so compare weighted runs with each other.
    expect(weighted({ 0: 1, 1: 1 })).toBe(weighted());
    expect(weighted({ 0: 2, 1: 2 })).toBeCloseTo(2 * weighted(), 5);
    expect(Number.isFinite(plain)).toBe(true);
    expect(() => weighted({ 1: 2 })).toThrow(/classWeight has no entry for class 0/);
  });

  it('adds the L2 penalty l2 * sum(W^2) to the loss', () => {
    const { x, y } = data(50);
    const make = (l2: number) => {
      const m = new Model(
        [new Dense(4, { activation: 'relu', inputDim: 10, l2 }), new Dense(1, { activation: 'sigmoid' })],
        {
          seed: 4,
        },
      );
      m.compile({ optimizer: new Adam(), loss: 'binaryCrossentropy' });
      return m;
    };
    const m = make(0.01);
    const k = (m.layers[0] as Dense).kernel!.data;
    const sq = [...k].reduce((s, v) => s + v * v, 0);
    expect(m.evaluate(x, y).loss - make(0).evaluate(x, y).loss).toBeCloseTo(0.01 * sq, 5);
  });

  it('validationSplit holds out the last rows', () => {
    const { x, y } = data(100);
    const model = seedModel();
    const h = model.fit(x, y, { epochs: 1, verbose: 0, validationSplit: 0.2 });
    const last = { data: x.data.subarray(800), shape: [20, 10] };
    expect(h.history.val_loss[0]).toBeCloseTo(model.evaluate(last, y.subarray(80)).loss, 10);
  });

  it('categorical cross-entropy with a Softmax layer and accuracy', () => {
    const rows = 60;
    const xs = new Float32Array(rows * 2);
    const ys = new Float32Array(rows * 3);
    for (let i = 0; i < rows; i++) {
      const c = i % 3;
      xs[i * 2] = c === 0 ? 1 : c === 1 ? -1 : 0;
      xs[i * 2 + 1] = c === 2 ? 1 : 0;
      ys[i * 3 + c] = 1;
    }
    const model = new Model([new Dense(3, { inputDim: 2 }), new Softmax()], { seed: 1 });
    model.compile({
      optimizer: new Adam({ lr: 0.1 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const h = model.fit(
      { data: xs, shape: [rows, 2] },
      { data: ys, shape: [rows, 3] },
      { epochs: 30, verbose: 0 },
    );
    expect(h.history.accuracy[29]).toBe(1);
    const p = model.predict({ data: xs, shape: [rows, 2] });
    expect(p.data[0] + p.data[1] + p.data[2]).toBeCloseTo(1, 5);
  });
});

describe('Model API errors and summary', () => {
  it('names a feature-count mismatch, missing compile and shapes', () => {
    const model = seedModel();
    expect(() => model.fit({ data: new Float32Array(12), shape: [1, 12] }, [1], { verbose: 0 })).toThrow(
      'fit: x has 12 features but the model expects 10',
    );
    expect(() => model.predict({ data: new Float32Array(8), shape: [2, 4] })).toThrow(
      'predict: x has 4 features but the model expects 10',
    );
    expect(() =>
      model.fit({ data: new Float32Array(20), shape: [2, 10] }, [1, 0, 1], { verbose: 0 }),
    ).toThrow('fit: x has 2 rows but y has 3');
    expect(() =>
      model.fit({ data: new Float32Array(20), shape: [2, 10] }, [1, Number.NaN], { verbose: 0 }),
    ).toThrow(/y has a non-finite value \(NaN\) at row 1, column 0/);
    const raw = new Model([new Dense(1, { inputDim: 2 })]);
    expect(() => raw.evaluate({ data: new Float32Array(2), shape: [1, 2] }, [1])).toThrow(
      'evaluate: call compile({ optimizer, loss }) first',
    );
    // @ts-expect-error: checked at run time too
    expect(() => raw.compile({ optimizer: new Adam(), loss: 'hinge' })).toThrow(/unknown loss 'hinge'/);
  });

  it('builds an unbuilt model from the first fit and predicts in batches', () => {
    const model = new Model([new Dense(3, { activation: 'relu' }), new Dropout(0.5), new Dense(1)], {
      seed: 1,
    });
    expect(() => model.summary()).toThrow(/not built yet/);
    model.compile({ optimizer: new SGD(), loss: 'mse', metrics: ['mae'] });
    model.fit({ data: new Float32Array(40).fill(0.5), shape: [10, 4] }, new Float32Array(10), { verbose: 0 });
    expect(model.inputDim).toBe(4);
    const whole = model.predict({ data: new Float32Array(40).fill(0.5), shape: [10, 4] });
    const small = model.predict({ data: new Float32Array(40).fill(0.5), shape: [10, 4] }, { batchSize: 3 });
    expect(small.data).toEqual(whole.data);
  });

  it('summary lists layers, output shapes and parameter counts', () => {
    const s = seedModel().summary();
    expect(s).toContain('dense (Dense)');
    expect(s).toMatch(/dense_1 \(Dense\)\s+\(None, 32\)\s+2,080/);
    expect(s).toMatch(/dropout_1 \(Dropout\)\s+\(None, 32\)\s+0/);
    expect(s).toContain('Total params: 2,817');
  });

  it('wraps an existing Sequential', () => {
    const net = new Sequential([new Dense(2, { inputDim: 3 })], { seed: 1 });
    expect(new Model(net).network).toBe(net);
  });
});
