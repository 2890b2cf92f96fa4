import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd.js';
import { loadModel, saveModel } from '../../src/io/save.js';
import {
  quantizeActivationsReference,
  quantizedDenseReference,
  roundHalfEven,
} from '../../src/kernels/declarations/quantized.js';
import { withProvider } from '../../src/kernels/registry.js';
import { ActivationLayer } from '../../src/nn/activation.js';
import { Dense } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import { BatchNormalization } from '../../src/nn/normalization.js';
import { QuantizedDense } from '../../src/nn/quantized-dense.js';
import { GRU } from '../../src/nn/recurrent.js';
import { Adam } from '../../src/optim/adam.js';
import { Generator } from '../../src/random.js';
import { Tensor } from '../../src/tensor.js';
import { Model } from '../../src/training/model.js';
import {
  activationQuantization,
  calibratedRange,
  modelBytes,
  quantizeKernel,
  quantizeModel,
} from '../../src/training/quantize.js';
import { nonlinearProblem } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tg-quant-'));
  dirs.push(d);
  return d;
};

describe('quantization math', () => {
  it('weights: one symmetric scale per output channel, codes within [-64, 64]', () => {
    // A 3 x 2 kernel: column 0 peaks at 1.28, column 1 at 0.064; a zero column would keep scale 1.
    const w = [1.28, 0.05, -0.62, -0.064, 0.061, 0.0312];
    const { codes, scales } = quantizeKernel(w, 3, 2);
    expect(Array.from(scales)).toEqual([Math.fround(0.02), Math.fround(0.001)]);
    expect(Array.from(codes)).toEqual([64, -31, 3, 50, -64, 31]);
    const zero = quantizeKernel([0, 0], 2, 1);
    expect(Array.from(zero.scales)).toEqual([1]);
  });

  it('weights: round trip within half a step per channel', () => {
    const k = 37;
    const n = 5;
    const w = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 1.7) * (1 + (i % n)));
    const { codes, scales } = quantizeKernel(w, k, n);
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < k; p++) {
        const back = codes[j * k + p] * scales[j];
        expect(Math.abs(back - w[p * n + j])).toBeLessThanOrEqual(scales[j] / 2 + 1e-6);
      }
    }
  });

  it('activations: zero is exact, the range maps onto 0..127, round trip within half a step', () => {
    const q = activationQuantization(-1, 3);
    expect(q.scale).toBe(Math.fround(4 / 127));
    expect(q.zeroPoint).toBe(roundHalfEven(1 / q.scale));
    const relu = activationQuantization(0.5, 10);
    expect(relu.zeroPoint).toBe(0);
    expect(relu.scale).toBe(Math.fround(10 / 127));
    expect(activationQuantization(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
    for (let v = -1; v <= 3; v += 0.013) {
      const code = Math.min(127, Math.max(0, roundHalfEven(v / q.scale) + q.zeroPoint));
      expect(Math.abs((code - q.zeroPoint) * q.scale - v)).toBeLessThanOrEqual(q.scale / 2 + 1e-6);
    }
    expect(() => activationQuantization(2, 1)).toThrow('lo <= hi');
  });

  it('calibrated ranges: min/max, or percentiles that clip outliers', () => {
    const v = Float32Array.from({ length: 1001 }, (_, i) => i / 1000);
    v[500] = 100;
    expect(calibratedRange(v)).toEqual([0, 100]);
    const [lo, hi] = calibratedRange(v, 0.01);
    expect(lo).toBeCloseTo(0.01, 5);
    expect(hi).toBeCloseTo(0.991, 5);
  });
});

function trained(seed = 3) {
  const { x, y } = nonlinearProblem(600, seed);
  const model = new Model(
    [
      new Dense(32, { activation: 'relu', inputDim: 10 }),
      new Dropout(0.2),
      new Dense(16, { activation: 'relu' }),
      new Dense(1, { activation: 'sigmoid' }),
    ],
    { seed },
  );
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
  model.fit({ data: x, shape: [600, 10] }, y, { epochs: 20, batchSize: 32, verbose: 0, seed });
  return { model, x };
}

describe('QuantizedDense', () => {
  // 20 units (a full panel of 16 and a partial one) over 7 inputs (a partial group of 4 bytes).
  const units = 20;
  const k = 7;
  const rows = 9;
  const layer = new QuantizedDense(units, { activation: 'relu', input: { scale: 0.05, zeroPoint: 3 } });
  layer.build(k, { generator: new Generator(1), dtype: 'float32' });
  layer.eval();
  const kernel = Int8Array.from({ length: units * k }, (_, i) => ((i * 37) % 129) - 64);
  layer.setQuantizedWeights(
    kernel,
    Array.from({ length: units }, (_, j) => 0.01 + j / 1000),
    Array.from({ length: units }, (_, j) => (j % 5) / 10 - 0.2),
  );
  const x = new Tensor(
    Float32Array.from({ length: rows * k }, (_, i) => Math.sin(i) * 2),
    [rows, k],
  );
  // What the layer computes, from its plain int8 kernel: codes, exact sums, the float epilogue.
  const expected = () => {
    const codes = new Uint8Array(rows * k);
    quantizeActivationsReference(rows * k, x.data, layer.input.scale, layer.input.zeroPoint, codes);
    const { scale, offset } = layer.epilogue();
    const out = new Float32Array(rows * units);
    quantizedDenseReference(rows, units, k, codes, layer.kernel as Int8Array, scale, offset, 'relu', out);
    return Array.from(out);
  };

  it('runs on its packed weights: the same outputs as the plain kernel, on every provider', () => {
    const want = expected();
    expect(want.some((v) => v > 0)).toBe(true);
    expect(Array.from(noGrad(() => layer.forward(x)).data)).toEqual(want);
    expect(Array.from(withProvider('js', () => noGrad(() => layer.forward(x)).data))).toEqual(want);
  });

  it('packs again after invalidate() when its weights change in place', () => {
    noGrad(() => layer.forward(x));
    const w = layer.kernel as Int8Array;
    for (let i = 0; i < w.length; i++) w[i] = -w[i];
    layer.invalidate();
    expect(Array.from(noGrad(() => layer.forward(x)).data)).toEqual(expected());
  });
});

describe('quantizeModel', () => {
  const { model, x } = trained();
  const input = { data: x, shape: [600, 10] };
  const float = model.predict(input).data;
  const q = quantizeModel(model, input);

  it('replaces each Dense layer, keeps Dropout, reports the calibrated input ranges', () => {
    expect(q.model.layers.map((l) => l.className)).toEqual([
      'QuantizedDense',
      'Dropout',
      'QuantizedDense',
      'QuantizedDense',
    ]);
    expect(q.layers.map((l) => l.name)).toEqual(
      model.layers.filter((l) => l instanceof Dense).map((l) => l.name),
    );
    // Hidden inputs are relu outputs: the range starts at 0, so the zero point is 0.
    expect(q.layers[1].range[0]).toBe(0);
    expect(q.layers[1].input.zeroPoint).toBe(0);
    expect(modelBytes(q.model)).toBeLessThan(modelBytes(model) / 2.5);
  });

  it('predicts close to the float model, and the same on every provider', () => {
    const int8 = q.model.predict(input).data;
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < float.length; i++) {
      const d = Math.abs(int8[i] - float[i]);
      worst = Math.max(worst, d);
      sum += d;
    }
    // Probabilities: a few hundredths apart on average at most, never far (7-bit inputs, 10 features).
    expect(worst).toBeGreaterThan(0);
    expect(sum / float.length).toBeLessThan(0.02);
    expect(worst).toBeLessThan(0.15);
    const js = withProvider('js', () => q.model.predict(input).data);
    expect(Array.from(js)).toEqual(Array.from(int8));
  });

  it('leaves the float model as it was', () => {
    expect(Array.from(model.predict(input).data)).toEqual(Array.from(float));
  });

  it('saves compactly and loads back predicting identically', () => {
    const dir = tempDir();
    saveModel(dir, q.model, { metadata: { note: 'int8' } });
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(doc.weights.int8Tensors.map((t: { name: string }) => t.name)).toEqual([
      'dense/kernel',
      'dense_1/kernel',
      'dense_2/kernel',
    ]);
    const int8Values = 10 * 32 + 32 * 16 + 16;
    const floatValues = 2 * (32 + 16 + 1);
    expect(doc.weights.bytes).toBe(int8Values + 4 * floatValues);
    const loaded = loadModel(dir);
    expect(loaded.model.layers[0]).toBeInstanceOf(QuantizedDense);
    expect(Array.from(loaded.model.predict(input).data)).toEqual(Array.from(q.model.predict(input).data));
  });

  it('a float model saves without int8 tensors, as before', () => {
    const dir = tempDir();
    saveModel(dir, model);
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(Object.hasOwn(doc.weights, 'int8Tensors')).toBe(false);
    expect(Array.from(loadModel(dir).model.predict(input).data)).toEqual(Array.from(float));
  });

  it('a quantized model is inference-only: fit refuses with a clear message', () => {
    q.model.compile({ optimizer: new Adam(), loss: 'binaryCrossentropy' });
    expect(() => q.model.fit(input, new Float32Array(600), { epochs: 1, verbose: 0 })).toThrow(
      /inference-only/,
    );
  });

  it('refuses models it cannot quantize', () => {
    const bn = new Model([new Dense(4, { inputDim: 10 }), new BatchNormalization(), new Dense(1)]);
    bn.build(10);
    expect(() => quantizeModel(bn, input)).toThrow(
      /'batch_normalization' \(BatchNormalization\) cannot be quantized/,
    );
    expect(() => quantizeModel(q.model, input)).toThrow(/quantized already/);
    const noDense = new Model([new ActivationLayer('relu'), new Dropout(0.5)]);
    noDense.build(10);
    expect(() => quantizeModel(noDense, input)).toThrow('quantize: the model has no Dense layer to quantize');
    const gru = new Model([new GRU(4, { inputShape: [5, 3] }), new Dense(1)]);
    gru.build([5, 3]);
    expect(() => quantizeModel(gru, input)).toThrow(/reads sequences \(examples of shape \[5,3\]\)/);
    const f64 = new Model([new Dense(2, { inputDim: 10 })], { dtype: 'float64' });
    f64.build(10);
    expect(() => quantizeModel(f64, input)).toThrow('the model is float64');
    expect(() => quantizeModel(model, { data: new Float32Array(0), shape: [0, 10] })).toThrow(
      'no calibration rows',
    );
    expect(() => quantizeModel(model, { data: new Float32Array(9), shape: [1, 9] })).toThrow(
      'calibration rows have 9 columns',
    );
  });
});
