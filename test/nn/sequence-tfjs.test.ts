import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv1D,
  Dense,
  Embedding,
  Generator,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  GRU,
  LSTM,
  Masking,
  type Module,
  Sequential,
  SimpleRNN,
  Tensor,
} from '../../src/index.js';

// Each sequence layer's forward output against TensorFlow.js's layer of the same name, given the
// same weights (ours, copied in) and the same input, float32 on both sides.

const results: Array<[string, number]> = [];
afterAll(() => {
  console.log('max |tensorgrad - tfjs| per layer:');
  for (const [name, d] of results) console.log(`  ${name.padEnd(58)} ${d.toExponential(2)}`);
});

const rng = new Generator(9);
const floats = (n: number, low = -1, high = 1) =>
  Float32Array.from({ length: n }, () => rng.uniform(low, high));
/** Ids in 1..vocab-1, with `pad` zeros at the start of example 1 and the end of example 2. */
function ids(batch: number, steps: number, vocab: number, pad = 0): Float32Array {
  const out = Float32Array.from({ length: batch * steps }, () => 1 + rng.int(vocab - 1));
  for (let p = 0; p < pad; p++) {
    if (batch > 1) out[steps + p] = 0;
    if (batch > 2) out[3 * steps - 1 - p] = 0;
  }
  return out;
}

/**
 * Our network (built for exampleShape, seeded) and tfjs's, the weights copied in layer by layer;
 * both run on x; returns the largest absolute difference of the outputs.
 */
function compare(
  label: string,
  ours: Module[],
  theirs: tf.layers.Layer[],
  exampleShape: number[],
  x: Float32Array,
  batch: number,
): number {
  const net = new Sequential(ours, { seed: 3 });
  net.buildShape(exampleShape);
  const input = tf.input({ shape: exampleShape });
  let h = input;
  for (const layer of theirs) h = layer.apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: h });
  for (let i = 0; i < ours.length; i++) {
    const params = ours[i].ownParameters();
    if (params.length === 0) continue;
    theirs[i].setWeights(params.map(([, p]) => tf.tensor(p.data, [...p.shape])));
  }
  const want = (model.predict(tf.tensor(x, [batch, ...exampleShape])) as tf.Tensor).dataSync();
  const got = net.forward(new Tensor(x, [batch, ...exampleShape])).data;
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  results.push([label, worst]);
  return worst;
}

const B = 3;
const T = 7;
const F = 4;

describe('sequence layers against TF.js, same weights', () => {
  it('Embedding', () => {
    const d = compare(
      'Embedding(12, 5)',
      [new Embedding(12, 5)],
      [tf.layers.embedding({ inputDim: 12, outputDim: 5 })],
      [T],
      ids(B, T, 12),
      B,
    );
    expect(d).toBeLessThan(1e-6);
  });

  it.each([
    ['tanh, last output', {}, {}],
    [
      'relu, every step',
      { activation: 'relu', returnSequences: true },
      { activation: 'relu', returnSequences: true },
    ],
  ] as const)('SimpleRNN(6), %s', (what, ours, theirs) => {
    const d = compare(
      `SimpleRNN(6), ${what}`,
      [new SimpleRNN(6, ours)],
      [tf.layers.simpleRNN({ units: 6, ...theirs })],
      [T, F],
      floats(B * T * F),
      B,
    );
    expect(d).toBeLessThan(1e-5);
  });

  it.each([
    ['sigmoid gates, last output', {}, { recurrentActivation: 'sigmoid' }],
    [
      'hard sigmoid gates, every step',
      { recurrentActivation: 'hardSigmoid', returnSequences: true },
      { returnSequences: true },
    ],
  ] as const)('GRU(6) with resetAfter false (TF.js has no other), %s', (what, ours, theirs) => {
    const d = compare(
      `GRU(6) resetAfter false, ${what}`,
      [new GRU(6, { resetAfter: false, ...ours })],
      [tf.layers.gru({ units: 6, ...theirs })],
      [T, F],
      floats(B * T * F),
      B,
    );
    expect(d).toBeLessThan(1e-5);
  });

  it.each([
    ['last output', {}, { recurrentActivation: 'sigmoid' }],
    [
      'every step, hard sigmoid gates',
      { returnSequences: true, recurrentActivation: 'hardSigmoid' },
      { returnSequences: true },
    ],
  ] as const)('LSTM(5), %s', (what, ours, theirs) => {
    const d = compare(
      `LSTM(5), ${what}`,
      [new LSTM(5, ours)],
      [tf.layers.lstm({ units: 5, ...theirs })],
      [T, F],
      floats(B * T * F),
      B,
    );
    expect(d).toBeLessThan(1e-5);
  });

  // TF.js's GRU refuses reset_after true (Keras 2's default, and ours), so its cell is written here
  // in TF.js ops from Keras's GRUCell: z, r from x W + b_in + h U + b_rec; the candidate
  // tanh(x W_h + b_in_h + r * (h U_h + b_rec_h)); h = z h_prev + (1 - z) candidate. A masked step
  // keeps the previous state, as Keras does.
  it.each([
    ['last output', false, false],
    ['every step', true, false],
    ['every step, padded steps masked', true, true],
  ] as const)(
    'GRU(6) with resetAfter true (Keras 2 default), %s, against its formula in TF.js ops',
    (what, every, padded) => {
      const H = 6;
      const x = floats(B * T * F);
      if (padded) {
        x.fill(0, T * F, T * F + 2 * F); // example 1: two padded steps first
        x.fill(0, 3 * T * F - 3 * F); // example 2: three padded steps last
      }
      const gruLayer = new GRU(H, { returnSequences: every });
      const net = new Sequential(padded ? [new Masking(), gruLayer] : [gruLayer], { seed: 3 });
      net.buildShape([T, F]);
      const [[, kernel], [, recurrent], [, bias]] = gruLayer.ownParameters();
      expect(bias.shape).toEqual([2, 3 * H]);
      const want = tf.tidy(() => {
        const w = tf.tensor2d(Float32Array.from(kernel.data), [F, 3 * H]);
        const u = tf.tensor2d(Float32Array.from(recurrent.data), [H, 3 * H]);
        const [bIn, bRec] = tf.split(tf.tensor2d(Float32Array.from(bias.data), [2, 3 * H]), 2, 0);
        const xs = tf.tensor3d(x, [B, T, F]);
        let h = tf.zeros([B, H]);
        const outs: tf.Tensor[] = [];
        for (let t = 0; t < T; t++) {
          const xt = tf.squeeze(tf.slice(xs, [0, t, 0], [B, 1, F]), [1]);
          const xp = tf.add(tf.matMul(xt, w), bIn);
          const hp = tf.add(tf.matMul(h, u), bRec);
          const [xz, xr, xh] = tf.split(xp, 3, 1);
          const [hz, hr, hh] = tf.split(hp, 3, 1);
          const z = tf.sigmoid(tf.add(xz, hz));
          const r = tf.sigmoid(tf.add(xr, hr));
          const candidate = tf.tanh(tf.add(xh, tf.mul(r, hh)));
          const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
          const keep = tf.any(tf.notEqual(xt, 0), 1, true); // Masking: a step of all zeros is padding
          h = tf.where(tf.tile(keep, [1, H]), next, h);
          outs.push(h);
        }
        return (every ? tf.stack(outs, 1) : h).dataSync();
      });
      const got = net.forward(new Tensor(x, [B, T, F])).data;
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      results.push([`GRU(6) resetAfter true, ${what} (TF.js ops)`, worst]);
      expect(worst).toBeLessThan(1e-5);
    },
  );

  it.each([
    ["'valid'", {}, {}],
    ["'same', relu", { padding: 'same', activation: 'relu' }, { padding: 'same', activation: 'relu' }],
    ["'same', strides 2", { padding: 'same', strides: 2 }, { padding: 'same', strides: 2 }],
    ["'valid', strides 3, no bias", { strides: 3, useBias: false }, { strides: 3, useBias: false }],
  ] as const)('Conv1D(5, 3), %s', (what, ours, theirs) => {
    const d = compare(
      `Conv1D(5, 3), ${what}`,
      [new Conv1D(5, 3, ours)],
      [tf.layers.conv1d({ filters: 5, kernelSize: 3, ...theirs })],
      [T, F],
      floats(B * T * F),
      B,
    );
    expect(d).toBeLessThan(1e-5);
  });

  it("Conv1D(5, 3), 'causal', dilation 2: TF.js has no causal padding, so its 'valid' on the input padded by hand", () => {
    const x = floats(B * T * F);
    const net = new Sequential([new Conv1D(5, 3, { padding: 'causal', dilationRate: 2 })], { seed: 3 });
    net.buildShape([T, F]);
    const [[, kernel], [, bias]] = net.layers[0].ownParameters();
    const pad = 4; // (kernelSize - 1) * dilation zeros on the left
    const padded = tf.pad(tf.tensor(x, [B, T, F]), [
      [0, 0],
      [pad, 0],
      [0, 0],
    ]);
    const layer = tf.layers.conv1d({ filters: 5, kernelSize: 3, dilationRate: 2 });
    layer.apply(tf.input({ shape: [T + pad, F] }));
    layer.setWeights([tf.tensor(kernel.data, [...kernel.shape]), tf.tensor(bias.data, [...bias.shape])]);
    const want = (layer.apply(padded) as tf.Tensor).dataSync();
    const got = net.forward(new Tensor(x, [B, T, F])).data;
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    results.push(["Conv1D(5, 3), 'causal', dilation 2 (TF.js: padded by hand)", worst]);
    expect(got.length).toBe(want.length);
    expect(worst).toBeLessThan(1e-5);
  });

  it('GlobalAveragePooling1D and GlobalMaxPooling1D', () => {
    const x = floats(B * T * F);
    expect(
      compare(
        'GlobalAveragePooling1D',
        [new GlobalAveragePooling1D()],
        [tf.layers.globalAveragePooling1d()],
        [T, F],
        x,
        B,
      ),
    ).toBeLessThan(1e-6);
    expect(
      compare(
        'GlobalMaxPooling1D',
        [new GlobalMaxPooling1D()],
        [tf.layers.globalMaxPooling1d()],
        [T, F],
        x,
        B,
      ),
    ).toBe(0);
  });

  it('Dense on every step of a sequence', () => {
    const d = compare(
      'Dense(3) on [batch, steps, features]',
      [new Dense(3, { activation: 'tanh' })],
      [tf.layers.dense({ units: 3, activation: 'tanh' })],
      [T, F],
      floats(B * T * F),
      B,
    );
    expect(d).toBeLessThan(1e-6);
  });
});

describe('masks against TF.js: padded steps are skipped the same way', () => {
  it.each([
    ['SimpleRNN(4)', () => new SimpleRNN(4), () => tf.layers.simpleRNN({ units: 4 })],
    [
      'GRU(4) resetAfter false, every step',
      () => new GRU(4, { resetAfter: false, returnSequences: true }),
      () => tf.layers.gru({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true }),
    ],
    ['LSTM(4)', () => new LSTM(4), () => tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid' })],
  ] as const)('Embedding(maskZero) -> %s on ids with padding at either end', (what, ours, theirs) => {
    const d = compare(
      `Embedding(maskZero) -> ${what}, padded ids`,
      [new Embedding(10, 3, { maskZero: true }), ours(), new Dense(2)],
      [
        tf.layers.embedding({ inputDim: 10, outputDim: 3, maskZero: true }),
        theirs(),
        tf.layers.dense({ units: 2 }),
      ],
      [T],
      ids(B, T, 10, 3),
      B,
    );
    expect(d).toBeLessThan(1e-5);
  });

  it('Masking -> LSTM on numbers with padded steps', () => {
    const x = floats(B * T * F);
    x.fill(0, T * F, T * F + 2 * F); // example 1: two padded steps first
    x.fill(0, 3 * T * F - 3 * F); // example 2: three padded steps last
    const d = compare(
      'Masking -> LSTM(4), padded steps',
      [new Masking(), new LSTM(4)],
      [tf.layers.masking(), tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid' })],
      [T, F],
      x,
      B,
    );
    expect(d).toBeLessThan(1e-5);
  });
});
