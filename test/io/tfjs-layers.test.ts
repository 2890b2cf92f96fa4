import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  type ActivationName,
  BatchNormalization,
  Dense,
  Generator,
  LayerNormalization,
  Model,
  type Module,
  Sequential,
  Tensor,
  toTfjs,
} from '../../src/index.js';

// Every layer TF.js also has, compared with TF.js's layer of the same name on the same weights:
// through our TF.js export (tf.loadLayersModel reads our model.json and weights), and for
// BatchNormalization's training mode, with tf.layers.batchNormalization directly.

const worst: Record<string, number> = {};
afterAll(() => {
  console.log(
    `max |tensorgrad - TF.js| per layer: ${Object.entries(worst)
      .map(([k, v]) => `${k} ${v.toExponential(2)}`)
      .join(', ')}`,
  );
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

function record(name: string, diff: number): void {
  worst[name] = Math.max(worst[name] ?? 0, diff);
}

const rng = new Generator(21);
const randomRows = (rows: number, cols: number, scale = 1.5) =>
  Float32Array.from({ length: rows * cols }, () => rng.normal() * scale);

/** The model loaded into TF.js from our export, and its predictions next to ours. */
async function compareThroughExport(model: Model, x: Float32Array, rows: number): Promise<number> {
  const { modelJson, weightData } = toTfjs(model);
  const tfModel = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ),
    }),
  );
  const cols = model.inputDim as number;
  const theirs = (tfModel.predict(tf.tensor2d(x, [rows, cols])) as tf.Tensor).dataSync();
  return maxDiff(model.predict({ data: x, shape: [rows, cols] }).data, theirs);
}

/** Random values (positive ones where a variance or scale is expected) in every weight of a model. */
function randomizeWeights(model: Model): void {
  model.setWeights(
    model.network
      .namedWeights()
      .map(([name, p]) =>
        Float32Array.from({ length: p.size }, () =>
          /gamma|moving_variance/.test(name) ? 0.5 + rng.random() * 1.5 : rng.normal() * 0.8,
        ),
      ),
  );
}

describe('BatchNormalization against tf.layers.batchNormalization', () => {
  it('inference: the moving statistics, gamma and beta, through the TF.js export', async () => {
    const model = new Model(
      [new Dense(6, { activation: 'relu', inputDim: 4 }), new BatchNormalization(), new Dense(3)],
      { seed: 1 },
    );
    randomizeWeights(model);
    expect(model.network.namedWeights().map(([n]) => n)).toEqual([
      'dense/kernel',
      'dense/bias',
      'batch_normalization/gamma',
      'batch_normalization/beta',
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    const diff = await compareThroughExport(model, randomRows(50, 4), 50);
    record('BatchNormalization (inference)', diff);
    expect(diff).toBeLessThan(1e-5);
  });

  it('training: batch statistics and the moving-average update, step by step', () => {
    const c = 5;
    const ours = new BatchNormalization({ momentum: 0.9 });
    new Sequential([ours], { seed: 2 }).build(c);
    const theirs = tf.layers.batchNormalization({ momentum: 0.9, inputShape: [c] });
    theirs.build([null, c]);
    const weights = [0.5, 2, 0.5, 2].map((spread, k) =>
      Float32Array.from({ length: c }, () => (k === 3 ? 0.5 + rng.random() * spread : rng.normal() * spread)),
    );
    theirs.setWeights(weights.map((w) => tf.tensor1d(w)));
    [ours.gamma!, ours.beta!, ours.movingMean!, ours.movingVariance!].forEach((t, i) => {
      t.data.set(weights[i]);
    });
    ours.train();
    for (let step = 0; step < 3; step++) {
      const x = randomRows(16, c, 2);
      const a = ours.forward(new Tensor(x, [16, c])).data;
      const b = (theirs.apply(tf.tensor2d(x, [16, c]), { training: true }) as tf.Tensor).dataSync();
      const d = maxDiff(a, b);
      record('BatchNormalization (training)', d);
      expect(d).toBeLessThan(1e-5);
      const [, , mm, mv] = theirs.getWeights().map((w) => w.dataSync());
      const dm = Math.max(maxDiff(ours.movingMean!.data, mm), maxDiff(ours.movingVariance!.data, mv));
      record('BatchNormalization (moving statistics)', dm);
      expect(dm).toBeLessThan(1e-5);
    }
    // Evaluation mode reads the moving statistics, as TF.js without training.
    ours.eval();
    const x = randomRows(8, c);
    const d = maxDiff(
      ours.forward(new Tensor(x, [8, c])).data,
      (theirs.apply(tf.tensor2d(x, [8, c])) as tf.Tensor).dataSync(),
    );
    expect(d).toBeLessThan(1e-5);
  });

  it('after fit: the trained weights and moving statistics export and predict the same', async () => {
    const g = new Generator(3);
    const x = Float32Array.from({ length: 200 * 3 }, () => g.normal() * 3 + 1);
    const y = Array.from({ length: 200 }, (_, i) => (x[i * 3] + x[i * 3 + 1] > 2 ? 1 : 0));
    const model = new Model(
      [
        new Dense(8, { activation: 'relu' }),
        new BatchNormalization(),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      { seed: 5 },
    );
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    model.fit({ data: x, shape: [200, 3] }, y, { epochs: 3, verbose: 0 });
    const [, , , , movingMean] = model.getWeights();
    expect(movingMean.some((v) => v !== 0)).toBe(true);
    const diff = await compareThroughExport(model, randomRows(40, 3), 40);
    record('BatchNormalization (inference)', diff);
    expect(diff).toBeLessThan(1e-5);
  });
});

describe("the layers' defaults are TF.js's (and Keras's)", () => {
  it('momentum 0.99 and epsilon 1e-3; center and scale on', () => {
    const tfBatch = tf.layers.batchNormalization({}).getConfig();
    const ours = new BatchNormalization();
    expect([ours.momentum, ours.epsilon, ours.center, ours.scale]).toEqual([
      tfBatch.momentum,
      tfBatch.epsilon,
      tfBatch.center,
      tfBatch.scale,
    ]);
    expect([ours.momentum, ours.epsilon]).toEqual([0.99, 1e-3]);
    const tfLayer = tf.layers.layerNormalization({}).getConfig();
    const layer = new LayerNormalization();
    expect([layer.epsilon, layer.center, layer.scale]).toEqual([
      tfLayer.epsilon,
      tfLayer.center,
      tfLayer.scale,
    ]);
  });
});

describe('LayerNormalization against tf.layers.layerNormalization', () => {
  it('same outputs on the same gamma and beta, with and without them', async () => {
    for (const options of [{}, { center: false }, { scale: false, epsilon: 1e-5 }]) {
      const model = new Model(
        [new Dense(7, { inputDim: 3 }), new LayerNormalization(options), new Dense(2)],
        {
          seed: 4,
        },
      );
      randomizeWeights(model);
      const diff = await compareThroughExport(model, randomRows(30, 3), 30);
      record('LayerNormalization', diff);
      expect(diff).toBeLessThan(1e-5);
    }
  });
});

describe("activations against TF.js's", () => {
  const names: ActivationName[] = ['softmax', 'leakyRelu', 'elu', 'gelu', 'relu', 'sigmoid', 'tanh'];
  it.each(names)('%s on Dense and as an Activation layer', async (name) => {
    const layers: Module[] = [
      new Dense(6, { activation: name, inputDim: 4 }),
      new Dense(5),
      new ActivationLayer(name),
    ];
    const model = new Model(layers, { seed: 6 });
    randomizeWeights(model);
    const diff = await compareThroughExport(model, randomRows(40, 4), 40);
    record(name, diff);
    expect(diff).toBeLessThan(1e-5);
  });
});
