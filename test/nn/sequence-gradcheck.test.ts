import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv1D,
  Dense,
  Embedding,
  FeatureEmbedding,
  Generator,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  GRU,
  gradcheckLayer,
  LSTM,
  Masking,
  type Module,
  SimpleRNN,
  Tensor,
} from '../../src/index.js';
import { LAYER_TYPES } from '../../src/io/layers.js';

// Every sequence layer gradient-checked as a whole (its output with respect to its input and every
// parameter, float64, central differences), with and without a mask of padded steps.

const rng = new Generator(5);
const sequence = (shape: number[], low = -1, high = 1) =>
  new Tensor(
    Float64Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.uniform(low, high)),
    shape,
  );
/** Example 0 is whole, example 1 has two padded steps at the end, example 2 one at the start. */
const mask = (steps: number) =>
  new Tensor(
    Float64Array.from({ length: 3 * steps }, (_, i) => {
      const [b, t] = [Math.floor(i / steps), i % steps];
      return b === 1 ? (t < steps - 2 ? 1 : 0) : b === 2 ? (t >= 1 ? 1 : 0) : 1;
    }),
    [3, steps],
  );

let worst = 0;
let worstAt = '';
afterAll(() => console.log(`worst layer gradcheck relative error: ${worst.toExponential(2)} (${worstAt})`));

const cases: Array<[string, () => Module, number[]]> = [
  ['SimpleRNN(3)', () => new SimpleRNN(3), [3, 4, 2]],
  [
    'SimpleRNN(2, every step, sigmoid)',
    () => new SimpleRNN(2, { returnSequences: true, activation: 'sigmoid' }),
    [3, 4, 2],
  ],
  ['GRU(3) reset after', () => new GRU(3), [3, 4, 2]],
  [
    'GRU(2) reset before, every step',
    () => new GRU(2, { resetAfter: false, returnSequences: true }),
    [3, 4, 3],
  ],
  [
    'GRU(2) hard sigmoid, no bias',
    () => new GRU(2, { recurrentActivation: 'hardSigmoid', useBias: false }),
    [3, 3, 2],
  ],
  ['LSTM(3)', () => new LSTM(3), [3, 4, 2]],
  ['LSTM(2) every step', () => new LSTM(2, { returnSequences: true }), [3, 4, 2]],
  ["Conv1D(2, 3) 'same' tanh", () => new Conv1D(2, 3, { padding: 'same', activation: 'tanh' }), [3, 5, 2]],
  ["Conv1D(3, 2) 'valid' strides 2", () => new Conv1D(3, 2, { strides: 2 }), [3, 6, 2]],
  [
    "Conv1D(2, 2) 'causal' dilation 2",
    () => new Conv1D(2, 2, { padding: 'causal', dilationRate: 2 }),
    [3, 5, 2],
  ],
  ['GlobalAveragePooling1D', () => new GlobalAveragePooling1D(), [3, 4, 3]],
  ['GlobalMaxPooling1D', () => new GlobalMaxPooling1D(), [3, 4, 3]],
  ['Dense(2) on every step', () => new Dense(2, { activation: 'tanh' }), [3, 4, 3]],
];

describe.each(cases)('gradcheck of %s', (_label, make, shape) => {
  it.each([
    ['without a mask', false],
    ['with a mask', true],
  ] as const)('%s', (_what, masked) => {
    const layer = make();
    layer.name = _label;
    const res = gradcheckLayer(layer, sequence(shape), { mask: masked ? mask(shape[1]) : null });
    expect(res.ok).toBe(true);
    if (res.maxRelError > worst) [worst, worstAt] = [res.maxRelError, `${_label} ${_what}`];
  });
});

/** The layers of rows, gradient-checked inside networks (network-gradcheck, normalization tests). */
const ROW_LAYERS = ['Dense', 'Dropout', 'Activation', 'Softmax', 'BatchNormalization', 'LayerNormalization'];
/** The mask-making layers, checked one by one below. */
const MASK_LAYERS = [new Embedding(6, 3, { maskZero: true }), new Masking(), new FeatureEmbedding([3, 4], 2)];
/** Inference-only layers: no backward to check (their forward refuses to record gradients). */
const INFERENCE_LAYERS = ['QuantizedDense'];

it('every sequence layer type of the layer registry has a whole-layer gradcheck here', () => {
  const covered = new Set([
    ...cases.map(([, make]) => make().className),
    ...MASK_LAYERS.map((l) => l.className),
  ]);
  const missing = LAYER_TYPES.filter(
    (t) => !ROW_LAYERS.includes(t) && !INFERENCE_LAYERS.includes(t) && !covered.has(t),
  );
  expect(missing).toEqual([]);
});

describe('gradcheck of the layers that make masks', () => {
  it('Embedding with maskZero (with respect to its table; ids are not differentiable)', () => {
    const layer = MASK_LAYERS[0];
    layer.name = 'embedding';
    const ids = new Tensor(Float64Array.from([1, 5, 0, 0, 2, 2, 4, 0, 3, 1, 1, 5]), [3, 4]);
    expect(gradcheckLayer(layer, ids, { wrtInput: false }).ok).toBe(true);
    const { mask: made } = layer.forwardMasked(ids, null);
    expect(Array.from(made?.data ?? [])).toEqual([1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('FeatureEmbedding (with respect to its table; codes and the presence flag are not differentiable)', () => {
    const layer = MASK_LAYERS[2];
    layer.name = 'feature_embedding';
    // [presence, code of a 3-value feature, code of a 4-value feature, two numbers] per step.
    const steps = [
      [1, 2, 3, 0.5, -1],
      [1, 0, 1, 1.5, 0.2],
      [0, 1, 2, 7, 7],
      [1, 1, 0, -0.5, 0.3],
    ];
    const x = new Tensor(Float64Array.from([...steps, ...steps.slice().reverse()].flat()), [2, 4, 5]);
    expect(gradcheckLayer(layer, x, { wrtInput: false }).ok).toBe(true);
    const { mask: made } = layer.forwardMasked(x, null);
    expect(Array.from(made?.data ?? [])).toEqual([1, 1, 0, 1, 1, 0, 1, 1]);
  });

  it('Masking (steps whose features all equal maskValue are zeroed and masked)', () => {
    const x = sequence([3, 4, 2]);
    x.data.set([0.5, 0.5], 2);
    x.data.set([0.5, 0.5], 8 + 6);
    const layer = new Masking({ maskValue: 0.5 });
    expect(layer.className).toBe(MASK_LAYERS[1].className);
    layer.name = 'masking';
    // Away from the masked steps it is the identity (central differences cannot straddle a masked
    // value: moving it unmasks the step), so gradcheck runs on a sequence without them.
    expect(gradcheckLayer(layer, sequence([3, 4, 2])).ok).toBe(true);
    const leaf = new Tensor(x.data.slice(), x.shape, true);
    const { output, mask: made } = layer.forwardMasked(leaf, null);
    expect(Array.from(made?.data ?? [])).toEqual([1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    expect(Array.from(output.data.subarray(2, 4))).toEqual([0, 0]);
    output.backward(new Float64Array(output.size).fill(1));
    const g = Array.from(leaf.grad?.data ?? []);
    expect(g.filter((v) => v === 0)).toHaveLength(4);
    expect(g[2] + g[3] + g[14] + g[15]).toBe(0);
  });

  it('a failing layer fails gradcheckLayer (the check can fail)', () => {
    const layer = new GRU(2);
    layer.name = 'gru';
    // A forward that ignores the mask in the backward would be caught: here, a wrong parameter read.
    const x = sequence([2, 3, 2]);
    layer.buildShape([3, 2], { generator: new Generator(1), dtype: 'float64' });
    const original = layer.forwardMasked.bind(layer);
    layer.forwardMasked = (xin, m) => {
      const out = original(xin, m);
      // Scales the output by a constant the backward does not know about.
      return {
        output: new Tensor(
          out.output.data.map((v) => v * 1.01),
          out.output.shape,
          out.output.requiresGrad,
        ),
        mask: null,
      };
    };
    expect(gradcheckLayer(layer, x, { raise: false }).ok).toBe(false);
  });
});
