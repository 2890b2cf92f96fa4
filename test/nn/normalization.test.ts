import { describe, expect, it } from 'vitest';
import {
  BatchNormalization,
  bce,
  Dense,
  Generator,
  gradcheck,
  LayerNormalization,
  Model,
  Sequential,
  Tensor,
  tensor,
} from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: options a JavaScript caller can pass
type Loose = any;

const rng = new Generator(13);
const rows = (n: number, c: number) =>
  new Tensor(
    Float64Array.from({ length: n * c }, () => rng.normal() * 2 + 1),
    [n, c],
  );

function columnStats(t: Tensor): { mean: number[]; variance: number[] } {
  const [n, c] = t.shape;
  const mean = Array.from({ length: c }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += t.data[i * c + j];
    return s / n;
  });
  const variance = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (t.data[i * c + j] - m) ** 2;
    return s / n;
  });
  return { mean, variance };
}

describe('BatchNormalization', () => {
  it('training: normalizes each feature by the batch and moves the moving statistics by momentum', () => {
    const bn = new BatchNormalization();
    new Sequential([bn], { dtype: 'float64' }).build(3);
    const x = rows(50, 3);
    const y = bn.forward(x);
    const { mean, variance } = columnStats(y);
    mean.forEach((m) => {
      expect(m).toBeCloseTo(0, 12);
    });
    const batch = columnStats(x);
    variance.forEach((v, j) => {
      expect(v).toBeCloseTo(batch.variance[j] / (batch.variance[j] + 1e-3), 12);
    });
    // moving = 0.99 * moving + 0.01 * batch, from zeros and ones.
    bn.movingMean!.data.forEach((m, j) => {
      expect(m).toBeCloseTo(0.01 * batch.mean[j], 14);
    });
    bn.movingVariance!.data.forEach((v, j) => {
      expect(v).toBeCloseTo(0.99 + 0.01 * batch.variance[j], 14);
    });
  });

  it('evaluation: the moving statistics, gamma and beta; nothing moves', () => {
    const bn = new BatchNormalization({ epsilon: 0.1 });
    new Sequential([bn], { dtype: 'float64' }).build(2);
    bn.movingMean!.data.set([1, -2]);
    bn.movingVariance!.data.set([4, 0.9]);
    bn.gamma!.data.set([2, 0.5]);
    bn.beta!.data.set([0.1, 0.2]);
    bn.eval();
    const y = bn.forward(tensor([[3, 1]], { dtype: 'float64' }));
    expect(y.data[0]).toBeCloseTo((2 * (3 - 1)) / Math.sqrt(4.1) + 0.1, 14);
    expect(y.data[1]).toBeCloseTo((0.5 * (1 + 2)) / Math.sqrt(1) + 0.2, 14);
    expect([...bn.movingMean!.data]).toEqual([1, -2]);
  });

  it('fit moves the statistics; predict and evaluate do not', () => {
    const model = new Model([new Dense(4, { inputDim: 3 }), new BatchNormalization(), new Dense(1)], {
      seed: 1,
    });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = rows(40, 3);
    const y = Array.from({ length: 40 }, (_, i) => x.data[i * 3]);
    const moving = () => model.getWeights()[4].slice();
    const before = moving();
    model.predict(x);
    model.evaluate(x, y);
    expect(moving()).toEqual(before);
    model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(moving()).not.toEqual(before);
  });

  it("summary counts the moving statistics as non-trainable, as Keras's does", () => {
    const model = new Model([new Dense(8, { inputDim: 4 }), new BatchNormalization(), new Dense(1)]);
    const text = model.summary();
    expect(text).toMatch(/batch_normalization \(BatchNormalization\)\s+\(None, 8\)\s+32/);
    expect(text).toMatch(/Total params: 81\nTrainable params: 65\nNon-trainable params: 16/);
  });

  it('refuses bad options and inputs with their values', () => {
    expect(() => new BatchNormalization({ momentum: 1.5 })).toThrow(
      'BatchNormalization: momentum must be in [0, 1], got 1.5',
    );
    expect(() => new BatchNormalization({ epsilon: 0 })).toThrow(
      'BatchNormalization: epsilon must be a finite number > 0, got 0',
    );
    expect(() => new LayerNormalization({ center: 'yes' as Loose })).toThrow(
      'LayerNormalization: center must be true or false, got yes',
    );
    expect(() => new BatchNormalization({ axis: 1 } as Loose)).toThrow(
      "BatchNormalization: unknown option 'axis'; known options: momentum, epsilon, center, scale, name",
    );
    const bn = new BatchNormalization();
    bn.forward(rows(2, 3));
    expect(() => bn.forward(rows(2, 4))).toThrow(
      "BatchNormalization '': input has 4 features but the layer expects 3",
    );
  });
});

describe('LayerNormalization', () => {
  it('normalizes each row, the same in training and evaluation', () => {
    const ln = new LayerNormalization();
    new Sequential([ln], { dtype: 'float64' }).build(5);
    ln.gamma!.data.set([1, 2, 3, 4, 5]);
    const x = rows(4, 5);
    const y = ln.forward(x);
    for (let r = 0; r < 4; r++) {
      const row = Array.from(x.data.subarray(r * 5, r * 5 + 5));
      const m = row.reduce((a, b) => a + b, 0) / 5;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 5;
      row.forEach((value, j) => {
        expect(y.data[r * 5 + j]).toBeCloseTo(((j + 1) * (value - m)) / Math.sqrt(v + 1e-3), 12);
      });
    }
    ln.eval();
    expect(ln.forward(x).data).toEqual(y.data);
  });
});

describe('network gradcheck with normalization layers', () => {
  it('Dense - BatchNormalization (training) - Dense - LayerNormalization - Dense sigmoid - BCE, all parameters', () => {
    const d1 = new Dense(4, { activation: 'tanh', inputDim: 3 });
    const bn = new BatchNormalization();
    const d2 = new Dense(3);
    const ln = new LayerNormalization();
    const d3 = new Dense(1, { activation: 'sigmoid' });
    const net = new Sequential([d1, bn, d2, ln, d3], { seed: 5, dtype: 'float64' });
    const x = rows(6, 3);
    const y = new Tensor(Float64Array.from([0, 1, 1, 0, 1, 0]), [6, 1]);
    net.train();
    const params = net.parameters();
    expect(params.length).toBe(10);
    const loss = (...ps: Tensor[]) => {
      [d1.kernel, d1.bias, bn.gamma, bn.beta, d2.kernel, d2.bias, ln.gamma, ln.beta, d3.kernel, d3.bias] = ps;
      return bce(net.forward(x), y);
    };
    expect(gradcheck(loss, params).ok).toBe(true);
  });
});
