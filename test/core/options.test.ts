import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';
import { closestOption } from '../../src/options.js';

// Untyped on purpose: these are the mistakes a JavaScript user (or a cast) can make.
// biome-ignore lint/suspicious/noExplicitAny: options objects with keys the types refuse
type Loose = any;
const bad: Loose = { bogus_key: 1 };

const dir = mkdtempSync(join(tmpdir(), 'tg-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const built = () =>
  new tg.Model([new tg.Dense(2), new tg.Dense(1, { activation: 'sigmoid' })], { seed: 1 }).build(3);
const compiled = () => built().compile({ optimizer: new tg.SGD(), loss: 'binaryCrossentropy' });
const x = tg.zeros([4, 3]);
const y = tg.zeros([4, 1]);
const p = tg.tensor([0.5], { requiresGrad: true });

/** Every options-taking constructor and function of the public API, called with one unknown key. */
const cases: Array<[who: string, call: (o: Loose) => unknown, known: string]> = [
  [
    'SGD',
    (o) => new tg.SGD(o),
    'lr, learningRate, clipNorm, globalClipNorm, clipValue, momentum, nesterov, weightDecay',
  ],
  [
    'Adam',
    (o) => new tg.Adam(o),
    'lr, learningRate, clipNorm, globalClipNorm, clipValue, beta1, beta2, epsilon',
  ],
  [
    'AdamW',
    (o) => new tg.AdamW(o),
    'lr, learningRate, clipNorm, globalClipNorm, clipValue, beta1, beta2, epsilon, weightDecay',
  ],
  [
    'Dense',
    (o) => new tg.Dense(2, o),
    'activation, kernelInitializer, useBias, l2, inputDim, inputShape, name',
  ],
  ['Dropout', (o) => new tg.Dropout(0.5, o), 'name'],
  ['Activation', (o) => new tg.ActivationLayer('relu', o), 'name'],
  ['ReLU', (o) => new tg.ReLU(o), 'name'],
  ['Sigmoid', (o) => new tg.Sigmoid(o), 'name'],
  ['Tanh', (o) => new tg.Tanh(o), 'name'],
  ['Softmax', (o) => new tg.Softmax(o), 'name'],
  ['Sequential', (o) => new tg.Sequential([new tg.Dense(1)], o), 'name, seed, generator, dtype'],
  ['Model', (o) => new tg.Model([new tg.Dense(1)], o), 'name, seed, dtype'],
  [
    'compile',
    (o) => built().compile({ optimizer: new tg.SGD(), loss: 'mse', ...o }),
    'optimizer, loss, metrics, threshold',
  ],
  [
    'fit',
    (o) => compiled().fit(x, y, { verbose: 0, ...o }),
    'epochs, batchSize, validationData, validationSplit, shuffle, classWeight, sampleWeight, callbacks, verbose, seed, stream',
  ],
  ['evaluate', (o) => compiled().evaluate(x, y, o), 'batchSize'],
  ['predict', (o) => built().predict(x, o), 'batchSize'],
  ['EarlyStopping', (o) => new tg.EarlyStopping(o), 'monitor, minDelta, patience, mode, restoreBestWeights'],
  ['saveModel', (o) => tg.saveModel(dir, built(), o), 'preprocessing, metadata, beforeCommit'],
  ['loadModel', (o) => tg.loadModel(dir, o), 'acceptVersion1'],
  [
    'RMSprop',
    (o) => new tg.RMSprop(o),
    'lr, learningRate, clipNorm, globalClipNorm, clipValue, rho, momentum, epsilon, centered',
  ],
  [
    'ExponentialDecay',
    (o) => new tg.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9, ...o }),
    'initialLearningRate, decaySteps, decayRate, staircase',
  ],
  [
    'CosineDecay',
    (o) => new tg.CosineDecay({ initialLearningRate: 0.1, decaySteps: 5, ...o }),
    'initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps',
  ],
  [
    'PiecewiseConstantDecay',
    (o) => new tg.PiecewiseConstantDecay({ boundaries: [1], values: [1, 0.5], ...o }),
    'boundaries, values',
  ],
  ['BatchNormalization', (o) => new tg.BatchNormalization(o), 'momentum, epsilon, center, scale, name'],
  ['LayerNormalization', (o) => new tg.LayerNormalization(o), 'epsilon, center, scale, name'],
  [
    'ModelCheckpoint',
    (o) => new tg.ModelCheckpoint(join(dir, 'ckpt'), o),
    'monitor, mode, saveBestOnly, initialValueThreshold, preprocessing, metadata',
  ],
  [
    'ReduceLROnPlateau',
    (o) => new tg.ReduceLROnPlateau(o),
    'monitor, factor, patience, mode, minDelta, cooldown, minLr',
  ],
  ['CSVLogger', (o) => new tg.CSVLogger(join(dir, 'log.csv'), o), 'separator, append'],
  ['save', (o) => built().save(dir, o), 'preprocessing, metadata, beforeCommit'],
  ['mae', (o) => tg.mae(y, y, o), 'weight'],
  ['huber', (o) => tg.huber(y, y, o), 'weight, delta'],
  ['softmaxCrossEntropy', (o) => tg.softmaxCrossEntropy(x, [0, 1, 2, 0], o), 'weight'],
  ['gelu', (o) => tg.gelu(x, o), 'approximate'],
  ['batchNorm', (o) => tg.batchNorm(x, null, null, o), 'epsilon, mean, variance'],
  ['layerNorm', (o) => tg.layerNorm(x, null, null, o), 'epsilon'],
  ['tensor', (o) => tg.tensor([1, 2], o), 'dtype, requiresGrad'],
  ['full', (o) => tg.full([2], 1, o), 'dtype, requiresGrad'],
  ['zeros', (o) => tg.zeros([2], o), 'dtype, requiresGrad'],
  ['ones', (o) => tg.ones([2], o), 'dtype, requiresGrad'],
  ['uniform', (o) => tg.uniform([2], 0, 1, o), 'dtype, requiresGrad, generator'],
  ['rand', (o) => tg.rand([2], o), 'dtype, requiresGrad, generator'],
  ['randn', (o) => tg.randn([2], o), 'dtype, requiresGrad, generator, mean, std'],
  ['dropout', (o) => tg.dropout(x, 0.5, o), 'training, generator'],
  ['matmul', (o) => tg.matmul(x, tg.zeros([3, 2]), o), 'transA, transB'],
  ['mse', (o) => tg.mse(y, y, o), 'weight'],
  ['bce', (o) => tg.bce(y, y, o), 'weight'],
  ['bceWithLogits', (o) => tg.bceWithLogits(y, y, o), 'weight'],
  ['backward', (o) => p.mul(2).sum().backward(undefined, o), 'retainGraph'],
  ['toMermaid', (o) => tg.toMermaid(p.mul(2), o), 'direction'],
  [
    'gradcheck',
    (o) => tg.gradcheck((a) => a.mul(2), [tg.tensor([1], { dtype: 'float64', requiresGrad: true })], o),
    'eps, atol, rtol, seed, label, raise',
  ],
  [
    'createGpuProvider',
    (o) => tg.kernels.createGpuProvider({ mode: 'cpu', ...o }),
    'mode, skipped, maxKernels',
  ],
];

describe('unknown option keys', () => {
  it.each(cases)('%s refuses an unknown key, naming the known ones', (who, call, known) => {
    expect(() => call(bad)).toThrow(`${who}: unknown option 'bogus_key'; known options: ${known}`);
  });

  it('every case still works with its known options (the check is not a blanket refusal)', () => {
    expect(new tg.Adam({ lr: 0.5, beta1: 0.8 }).lr).toBe(0.5);
    expect(new tg.AdamW({ learningRate: 0.1, weightDecay: 0.01 }).weightDecay).toBe(0.01);
    expect(new tg.ReLU({ name: 'r' }).name).toBe('r');
    expect(compiled().fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 }).epoch).toEqual([0]);
    expect(tg.randn([2], { mean: 3, std: 0, dtype: 'float64' }).data).toEqual(new Float64Array([3, 3]));
  });

  it("suggests the closest known key: Keras's and PyTorch's spellings, typos", () => {
    expect(() => new tg.Adam({ learning_rate: 0.5 } as Loose)).toThrow(
      "Adam: unknown option 'learning_rate'; known options: lr, learningRate, clipNorm, globalClipNorm, clipValue, beta1, beta2, epsilon (did you mean 'learningRate'?)",
    );
    expect(() => compiled().fit(x, y, { batch_size: 8, verbose: 0 } as Loose)).toThrow(
      /did you mean 'batchSize'\?/,
    );
    expect(() => new tg.SGD({ weight_decay: 0.1 } as Loose)).toThrow(/did you mean 'weightDecay'\?/);
    expect(() => new tg.Dense(2, { use_bias: false } as Loose)).toThrow(/did you mean 'useBias'\?/);
    expect(() => new tg.SGD({ momentun: 0.9 } as Loose)).toThrow(/did you mean 'momentum'\?/);
    expect(closestOption('epoch', ['epochs', 'batchSize'])).toBe('epochs');
    expect(closestOption('eps', ['lr', 'beta1'])).toBeNull();
  });

  it('names every unknown key at once, with a suggestion for each it can place', () => {
    expect(() => new tg.SGD({ momentun: 0.9, foo: 1 } as Loose)).toThrow(
      "SGD: unknown options 'momentun', 'foo'; known options: lr, learningRate, clipNorm, globalClipNorm, clipValue, momentum, nesterov, weightDecay (did you mean 'momentum' for 'momentun'?)",
    );
  });

  it('refuses options that are not an object (Keras-style positional values)', () => {
    expect(() => new tg.Adam(0.01 as Loose)).toThrow(
      'Adam: options must be an object such as { lr: ... }, got the number 0.01; known options: lr, learningRate, clipNorm, globalClipNorm, clipValue, beta1, beta2, epsilon',
    );
    expect(() => new tg.Dropout(0.5, 'drop' as Loose)).toThrow(
      /Dropout: options must be an object.*got the string 'drop'/,
    );
    expect(() => built().predict(x, null as Loose)).toThrow(/predict: options must be an object.*got null/);
    expect(() => built().compile(undefined as Loose)).toThrow('compile: pass { optimizer, loss }');
  });
});

describe('batch sizes of evaluate and predict', () => {
  it('refuses 0 (which would loop forever) and non-integers, with the value', () => {
    expect(() => built().predict(x, { batchSize: 0 })).toThrow(
      'predict: batchSize must be a positive integer, got 0',
    );
    expect(() => compiled().evaluate(x, y, { batchSize: 1.5 })).toThrow(
      'evaluate: batchSize must be a positive integer, got 1.5',
    );
  });
});
