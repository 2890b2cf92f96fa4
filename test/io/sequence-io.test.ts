import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Adam,
  Conv1D,
  Dense,
  Embedding,
  exportOnnx,
  exportTfjs,
  Generator,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  GRU,
  LSTM,
  loadModel,
  Masking,
  Model,
  type Module,
  SimpleRNN,
  saveModel,
  Tensor,
} from '../../src/index.js';

// Sequence models through saveModel / loadModel and exportTfjs (loaded back in @tensorflow/tfjs),
// and what is refused, with the reason.

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tg-seq-io-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const N = 48;
const T = 8;
const V = 11;
const rng = new Generator(3);
/** Ids with padding (0) at the end of every third example and the start of every fifth. */
const idData = Float32Array.from({ length: N * T }, (_, i) => {
  const [b, t] = [Math.floor(i / T), i % T];
  if (b % 3 === 0 && t >= T - 2) return 0;
  if (b % 5 === 0 && t < 3) return 0;
  return 1 + rng.int(V - 1);
});
const ids = new Tensor(idData, [N, T]);
const numbers = new Tensor(
  Float32Array.from({ length: N * T * 3 }, (_, i) => (Math.floor(i / 3) % 7 === 0 ? 0 : rng.uniform(-1, 1))),
  [N, T, 3],
);
const labels = Float32Array.from({ length: N }, (_, b) => (idData[b * T + 4] > V / 2 ? 1 : 0));

function trained(layers: Module[], x: Tensor): Model {
  const m = new Model(layers, { seed: 2 });
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
  m.fit(x, labels, { epochs: 2, batchSize: 16, verbose: 0 });
  return m;
}

const architectures: Array<[string, () => Module[], Tensor]> = [
  [
    'Embedding(maskZero) -> GRU -> Dense',
    () => [new Embedding(V, 4, { maskZero: true }), new GRU(5), new Dense(1, { activation: 'sigmoid' })],
    ids,
  ],
  [
    'Embedding -> LSTM(every step) -> SimpleRNN -> Dense',
    () => [
      new Embedding(V, 4),
      new LSTM(5, { returnSequences: true }),
      new SimpleRNN(3),
      new Dense(1, { activation: 'sigmoid' }),
    ],
    ids,
  ],
  [
    "Embedding(maskZero) -> Conv1D 'causal' -> GlobalMaxPooling1D -> Dense",
    () => [
      new Embedding(V, 4, { maskZero: true }),
      new Conv1D(6, 3, { padding: 'causal', activation: 'relu' }),
      new GlobalMaxPooling1D(),
      new Dense(1, { activation: 'sigmoid' }),
    ],
    ids,
  ],
  [
    'Masking -> GRU(reset before, every step) -> GlobalAveragePooling1D -> Dense',
    () => [
      new Masking(),
      new GRU(4, { resetAfter: false, returnSequences: true, recurrentActivation: 'hardSigmoid' }),
      new GlobalAveragePooling1D(),
      new Dense(1, { activation: 'sigmoid' }),
    ],
    numbers,
  ],
];

describe('saveModel / loadModel of sequence models', () => {
  it.each(architectures)(
    '%s: same predictions, summary and example shape after loading',
    (_name, layers, x) => {
      const dir = tempDir();
      const model = trained(layers(), x);
      saveModel(dir, model, { metadata: { kind: 'sequence' } });
      const { model: back } = loadModel(dir);
      expect(back.inputShape).toEqual(model.inputShape);
      expect(back.summary()).toEqual(model.summary());
      expect(Array.from(back.predict(x).data)).toEqual(Array.from(model.predict(x).data));
      expect(back.layers.map((l) => l.config())).toEqual(model.layers.map((l) => l.config()));
    },
  );

  it('model.json records the example shape of sequences, checked on load', () => {
    const dir = tempDir();
    saveModel(dir, trained(architectures[3][1](), numbers));
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(doc.model.inputShape).toEqual([T, 3]);
    expect(doc.model.inputDim).toBe(3);
    doc.model.inputShape = [T, 4];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
    expect(() => loadModel(dir)).toThrow(/'model.inputShape' ends with 4 but inputDim is 3/);
  });

  it('a model of token ids keeps only inputDim, the number of steps (as a table keeps its width)', () => {
    const dir = tempDir();
    saveModel(dir, trained(architectures[0][1](), ids));
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(doc.model.inputShape).toBeUndefined();
    expect(doc.model.inputDim).toBe(T);
  });
});

/** Loads an exported folder in tfjs and predicts x. */
async function tfjsPredict(dir: string, x: Tensor): Promise<Float32Array> {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  const tfModel = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  return (tfModel.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync() as Float32Array;
}

describe('exportTfjs of sequence models', () => {
  it.each([
    [
      'Embedding(maskZero) -> GRU(resetAfter false) -> Dense, padded ids',
      () => [
        new Embedding(V, 4, { maskZero: true }),
        new GRU(5, { resetAfter: false }),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      ids,
    ],
    [
      'Embedding -> LSTM(every step) -> SimpleRNN -> Dense',
      () => [
        new Embedding(V, 4),
        new LSTM(5, { returnSequences: true }),
        new SimpleRNN(3),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      ids,
    ],
    [
      "Conv1D 'same' strides 2 -> GlobalAveragePooling1D -> Dense",
      () => [
        new Conv1D(4, 3, { padding: 'same', strides: 2, activation: 'tanh' }),
        new GlobalAveragePooling1D(),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      numbers,
    ],
    [
      'Masking -> LSTM(hard sigmoid) -> Dense',
      () => [
        new Masking(),
        new LSTM(4, { recurrentActivation: 'hardSigmoid' }),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      numbers,
    ],
  ] as const)('%s: loads in TF.js and predicts the same within 1e-5', async (_name, layers, x) => {
    const dir = tempDir();
    const model = trained(layers(), x);
    exportTfjs(dir, model);
    const theirs = await tfjsPredict(dir, x);
    const ours = model.predict(x).data;
    expect(theirs.length).toBe(ours.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('refuses what TF.js cannot compute the same way, saying why', () => {
    const dir = tempDir();
    expect(() => exportTfjs(dir, trained(architectures[0][1](), ids))).toThrow(
      /exportTfjs: GRU 'gru' has resetAfter: true .* which TF.js's GRU does not implement; build it with resetAfter: false/,
    );
    const causal = trained(
      [
        new Conv1D(3, 2, { padding: 'causal' }),
        new GlobalMaxPooling1D(),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      numbers,
    );
    expect(() => exportTfjs(dir, causal)).toThrow(
      /exportTfjs: Conv1D 'conv1d' has padding 'causal', which TF.js's Conv1D does not implement/,
    );
    const masked = trained(
      [
        new Embedding(V, 4, { maskZero: true }),
        new Conv1D(3, 2, { padding: 'same' }),
        new GlobalMaxPooling1D(),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      ids,
    );
    expect(() => exportTfjs(dir, masked)).toThrow(
      /exportTfjs: Conv1D 'conv1d' receives the mask of padded steps made by Embedding 'embedding'; .* TF.js's Conv1D does not take a mask/,
    );
  });
});

describe('exportOnnx of sequence models', () => {
  it('is refused with the reason and what to use instead', () => {
    const dir = tempDir();
    expect(() => exportOnnx(join(dir, 'm.onnx'), trained(architectures[0][1](), ids))).toThrow(
      /exportOnnx: Embedding 'embedding' is a sequence layer; tensorgrad exports only models of rows .* Export this model with exportTfjs/,
    );
  });
});
