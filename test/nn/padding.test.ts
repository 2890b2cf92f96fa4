import { describe, expect, it } from 'vitest';
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
  mul,
  Sequential,
  SimpleRNN,
  sum,
  Tensor,
  withProvider,
} from '../../src/index.js';

// Padding never changes a result: the same sequences, padded to 6 steps or to 11 (at the end, or
// at the start), give identical outputs and identical gradients of every parameter.

const SHORT = 6;
const LONG = 11;
/** Real lengths of the four examples (the last one fills the short length). */
const LENGTHS = [3, 1, 5, 6];

function padded(tokens: number[][], steps: number, width: number, pre: boolean): Float64Array {
  const out = new Float64Array(tokens.length * steps * width);
  tokens.forEach((seq, b) => {
    const start = pre ? steps - seq.length / width : 0;
    out.set(seq, (b * steps + start) * width);
  });
  return out;
}

interface Run {
  output: Float64Array;
  grads: Float64Array[];
}

function run(layers: () => Module[], x: Float64Array, example: number[]): Run {
  const net = new Sequential(layers(), { seed: 4, dtype: 'float64' });
  net.buildShape(example);
  const out = net.forward(new Tensor(x, [LENGTHS.length, ...example]));
  const weights = new Tensor(
    Float64Array.from({ length: out.size }, (_, i) => Math.sin(i + 1)),
    out.shape,
  );
  sum(mul(out, weights)).backward();
  return {
    output: Float64Array.from(out.data),
    grads: net.parameters().map((p) => Float64Array.from(p.grad?.data ?? [])),
  };
}

const tokens = (rng: Generator, vocab: number) =>
  LENGTHS.map((n) => Array.from({ length: n }, () => 1 + rng.int(vocab - 1)));
const numbers = (rng: Generator, width: number) =>
  LENGTHS.map((n) =>
    Array.from({ length: n * width }, () => (rng.random() < 0.5 ? 1 : -1) * rng.uniform(0.1, 1)),
  );

const V = 9;
const emb = () => new Embedding(V, 3, { maskZero: true });
const models: Array<[string, () => Module[], boolean]> = [
  ['Embedding -> SimpleRNN -> Dense', () => [emb(), new SimpleRNN(4), new Dense(2)], true],
  ['Embedding -> GRU -> Dense', () => [emb(), new GRU(4), new Dense(2)], true],
  [
    'Embedding -> GRU (reset before, every step) -> GlobalMaxPooling1D',
    () => [emb(), new GRU(3, { resetAfter: false, returnSequences: true }), new GlobalMaxPooling1D()],
    true,
  ],
  [
    'Embedding -> LSTM (every step) -> GlobalAveragePooling1D -> Dense',
    () => [emb(), new LSTM(4, { returnSequences: true }), new GlobalAveragePooling1D(), new Dense(1)],
    true,
  ],
  [
    "Embedding -> Conv1D 'same' relu -> GlobalMaxPooling1D -> Dense",
    () => [
      emb(),
      new Conv1D(4, 3, { padding: 'same', activation: 'relu' }),
      new GlobalMaxPooling1D(),
      new Dense(1),
    ],
    true,
  ],
  [
    "Embedding -> Conv1D 'valid' -> GlobalAveragePooling1D",
    () => [emb(), new Conv1D(3, 2), new GlobalAveragePooling1D()],
    true,
  ],
  [
    "Embedding -> Conv1D 'causal' dilation 2 -> LSTM",
    () => [emb(), new Conv1D(3, 2, { padding: 'causal', dilationRate: 2 }), new LSTM(3)],
    true,
  ],
  ['Masking -> GRU -> Dense (numbers)', () => [new Masking(), new GRU(4), new Dense(2)], false],
];

describe.each(models)('%s', (_name, layers, usesIds) => {
  it.each([
    ['at the end', false],
    ['at the start', true],
  ] as const)('extra padding %s changes no output and no gradient', (_where, pre) => {
    const rng = new Generator(8);
    const width = usesIds ? 1 : 2;
    const seqs = usesIds ? tokens(rng, V) : numbers(rng, width);
    const example = (steps: number) => (usesIds ? [steps] : [steps, width]);
    // The naive gemm adds in a fixed order, so the zeros of padded steps change nothing, bit for bit.
    const [a, b] = withProvider('js-naive', () => [
      run(layers, padded(seqs, SHORT, width, pre), example(SHORT)),
      run(layers, padded(seqs, LONG, width, pre), example(LONG)),
    ]);
    expect(b.output).toEqual(a.output);
    expect(b.grads).toEqual(a.grads);
    // The gradients are not all zero (the check means something).
    expect(a.grads.some((g) => g.some((v) => v !== 0))).toBe(true);
    // On the default providers, in float64, the same up to rounding.
    const [c, d] = [
      run(layers, padded(seqs, SHORT, width, pre), example(SHORT)),
      run(layers, padded(seqs, LONG, width, pre), example(LONG)),
    ];
    for (let i = 0; i < c.output.length; i++) expect(d.output[i]).toBeCloseTo(c.output[i], 12);
    c.grads.forEach((g, k) => {
      for (let i = 0; i < g.length; i++) expect(d.grads[k][i]).toBeCloseTo(g[i], 12);
    });
  });
});

describe('without the mask, padding does change the result (the test above can fail)', () => {
  it('Embedding without maskZero -> GRU', () => {
    const rng = new Generator(8);
    const seqs = tokens(rng, V);
    const layers = () => [new Embedding(V, 3), new GRU(4), new Dense(2)];
    const a = run(layers, padded(seqs, SHORT, 1, true), [SHORT]);
    const b = run(layers, padded(seqs, LONG, 1, true), [LONG]);
    expect(b.output).not.toEqual(a.output);
  });
});
