import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  type ActivationName,
  Dense,
  Dropout,
  Generator,
  gelu,
  initKernel,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  Tensor,
  tensor,
} from '../../src/index.js';
import { seedNetwork } from '../helpers/seed-model.js';

describe('Dense', () => {
  it('Glorot-uniform kernel within sqrt(6 / (in + out)) and a zero bias, as Keras', () => {
    const net = seedNetwork();
    const [d] = net.layers as Dense[];
    const limit = Math.sqrt(6 / (10 + 64));
    const w = [...d.kernel!.data];
    expect(d.kernel!.shape).toEqual([10, 64]);
    expect(Math.max(...w)).toBeLessThan(limit);
    expect(Math.min(...w)).toBeGreaterThan(-limit);
    // A uniform on (-l, l) has standard deviation l / sqrt(3).
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.85 * (limit / Math.sqrt(3)));
    expect(std).toBeLessThan(1.15 * (limit / Math.sqrt(3)));
    expect([...d.bias!.data].every((v) => v === 0)).toBe(true);
  });

  it('He initializers have variance 2 / fanIn', () => {
    for (const kind of ['heNormal', 'heUniform'] as const) {
      const w = [...initKernel(kind, 50, 400, new Generator(3), 'float64')];
      const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
      expect(variance).toBeGreaterThan(0.9 * (2 / 50));
      expect(variance).toBeLessThan(1.1 * (2 / 50));
    }
    const w = [...initKernel('heNormal', 50, 400, new Generator(3), 'float64')];
    expect(Math.max(...w.map((v) => Math.abs(v)))).toBeLessThanOrEqual(
      (2 * Math.sqrt(2 / 50)) / 0.8796256610342398,
    );
  });

  it('infers its input width at the first call', () => {
    const d = new Dense(3);
    expect(d.built).toBe(false);
    const y = d.forward(tensor([[1, 2, 3, 4, 5]]));
    expect(y.shape).toEqual([1, 3]);
    expect(d.kernel!.shape).toEqual([5, 3]);
  });

  it('names a feature-count mismatch', () => {
    const net = seedNetwork();
    expect(() => net.forward(tensor([[1, 2, 3]]))).toThrow(/input has 3 features but the model expects 10/);
    const d = new Dense(2, { inputShape: [4] });
    d.forward(tensor([[1, 2, 3, 4]]));
    expect(() => d.forward(tensor([[1, 2]]))).toThrow(/input has 2 features but the layer expects 4/);
  });

  it('rejects bad options with their values', () => {
    expect(() => new Dense(0)).toThrow(/units must be a positive integer, got 0/);
    // @ts-expect-error: checked at run time too
    expect(() => new Dense(2, { activation: 'swish' })).toThrow(
      "Dense: unknown activation 'swish'; use one of linear, relu, sigmoid, tanh, softmax, leakyRelu, elu, gelu",
    );
    // @ts-expect-error: Keras's snake_case spelling is named, not taken
    expect(() => new Dense(2, { activation: 'leaky_relu' })).toThrow(/\(did you mean 'leakyRelu'\?\)/);
    expect(() => new Dense(2, { l2: -1 })).toThrow(/l2 must be a finite number >= 0, got -1/);
  });

  it('without a bias has one parameter', () => {
    const d = new Dense(2, { useBias: false, inputDim: 3 });
    new Sequential([d]);
    expect(d.parameters().length).toBe(1);
  });
});

describe('Sequential', () => {
  it('names layers like Keras and counts the seed model parameters', () => {
    const net = seedNetwork();
    expect(net.layers.map((l) => l.name)).toEqual(['dense', 'dropout', 'dense_1', 'dropout_1', 'dense_2']);
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'dense/kernel',
      'dense/bias',
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
    ]);
    // 10*64 + 64 + 64*32 + 32 + 32*1 + 1
    expect(net.parameterCount()).toBe(2817);
  });

  it('the same seed gives the same initial weights; another seed different ones', () => {
    const a = seedNetwork(5).parameters();
    const b = seedNetwork(5).parameters();
    const c = seedNetwork(6).parameters();
    a.forEach((p, i) => {
      expect(p.data).toEqual(b[i].data);
    });
    expect(a[0].data).not.toEqual(c[0].data);
  });

  it('dropout is active in train mode and the identity in eval mode', () => {
    const net = new Sequential([new Dropout(0.5)], { seed: 1 });
    const x = new Tensor(new Float32Array(1000).fill(1), [100, 10]);
    net.train();
    const y = net.forward(x).data;
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(400);
    expect(zeros).toBeLessThan(600);
    expect(y.filter((v) => v !== 0).every((v) => v === 2)).toBe(true);
    net.eval();
    expect(net.layers[0].training).toBe(false);
    expect(net.forward(x).data).toEqual(x.data);
  });

  it('activation layers and softmax', () => {
    const x = tensor([[-1, 0, 2]]);
    expect([...new ReLU().forward(x).data]).toEqual([0, 0, 2]);
    expect(new Sigmoid().forward(x).data[2]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(new Tanh().forward(x).data[0]).toBeCloseTo(Math.tanh(-1), 6);
    const s = new Softmax().forward(tensor([[1000, 1001, 1002]])).data;
    expect(s[0] + s[1] + s[2]).toBeCloseTo(1, 6);
    expect(s[2]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(1) + Math.exp(2)), 6);
  });

  it("Keras's activations by name, with Keras's defaults and documented values", () => {
    const x = tensor([[-3, -1, 0, 1, 3]], { dtype: 'float64' });
    const act = (name: ActivationName) => [...new ActivationLayer(name).forward(x).data];
    // keras.ops.leaky_relu([-1, 0, 1]) = [-0.2, 0, 1]: slope 0.2 below zero.
    expect(act('leakyRelu')).toEqual([-0.6000000000000001, -0.2, 0, 1, 3]);
    expect(act('elu')[1]).toBeCloseTo(Math.exp(-1) - 1, 15);
    // tf.keras.activations.gelu documents [-0.00404951, -0.15865529, 0, 0.8413447, 2.9959507] (exact).
    const g = act('gelu');
    [-0.00404951, -0.15865529, 0, 0.8413447, 2.9959507].forEach((v, i) => {
      expect(g[i]).toBeCloseTo(v, 6);
    });
    const s = act('softmax');
    expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(act('linear')).toEqual([-3, -1, 0, 1, 3]);
    const dense = new Dense(2, { activation: 'gelu', inputDim: 5 });
    new Sequential([dense], { seed: 1, dtype: 'float64' });
    const z = dense.forwardWith(x, 'linear');
    const h = dense.forward(x);
    expect(h.data[0]).toBeCloseTo(gelu(z).data[0], 15);
    const probs = [...new Dense(3, { activation: 'softmax' }).forward(x).data];
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('rejects duplicate names', () => {
    expect(() => new Sequential([new Dense(2, { name: 'a' }), new Dense(1, { name: 'a' })])).toThrow(
      /layer names must be unique/,
    );
  });
});
