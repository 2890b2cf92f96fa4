import { describe, expect, it } from 'vitest';
import { backwardWithGradients } from '../../src/graph.js';
import {
  Dense,
  Dropout,
  dense,
  denseDropout,
  dropout,
  Generator,
  mul,
  ones,
  type ProviderChoice,
  Sequential,
  sum,
  type Tensor,
  withProvider,
  zeros,
} from '../../src/index.js';
import { tryNative } from '../native/load.js';

// denseDropout (what Sequential runs for a Dense followed by a Dropout while training) must give
// the values, gradients and generator state of dense and dropout one after the other, bit for bit:
// fusing the two is a speed change only. The one difference, under ReLU: a dropped unit passes an
// exact +0 back whatever its incoming gradient (the two ops pass dy * 0, NaN for an infinite dy).
const providers: ProviderChoice[] = tryNative().addon ? ['js', 'native'] : ['js'];
const activations = ['relu', 'sigmoid', 'tanh', 'linear'] as const;

type Run = { out: number[]; grads: number[][]; state: number[] };

/** A tensor of standard normal draws that requires a gradient. */
function randomParam(rng: Generator, dtype: 'float32' | 'float64', shape: number[]): Tensor {
  const t = zeros(shape, { dtype, requiresGrad: true });
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

function run(
  fused: boolean,
  dtype: 'float32' | 'float64',
  [m, k, n]: readonly number[],
  activation: (typeof activations)[number],
  bias: boolean,
): Run {
  const rng = new Generator(m + k + n);
  const param = (shape: number[]) => randomParam(rng, dtype, shape);
  const x = param([m, k]);
  const w = param([k, n]);
  const b = bias ? param([n]) : null;
  const weights = zeros([m, n], { dtype });
  for (let i = 0; i < weights.size; i++) weights.data[i] = rng.normal();
  const generator = new Generator(7);
  const out = fused
    ? denseDropout(x, w, b, activation, 0.5, { generator })
    : dropout(dense(x, w, b, activation), 0.5, { generator });
  sum(mul(out, weights)).backward();
  return {
    out: Array.from(out.data),
    grads: [x, w, ...(b ? [b] : [])].map((t) => Array.from(t.grad?.data ?? [])),
    state: Array.from(generator.getState()),
  };
}

const gradOf = (t: Tensor): number[] => Array.from(t.grad?.data ?? []);

function expectSameBits(got: number[], want: number[], what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

describe('denseDropout', () => {
  for (const provider of providers) {
    for (const dtype of ['float32', 'float64'] as const) {
      // 256 x 600 outputs: past the size where the native kernels draw the mask in lanes.
      for (const shape of [
        [7, 5, 3],
        [256, 40, 600],
      ]) {
        for (const activation of activations) {
          for (const bias of activation === 'relu' ? [true, false] : [true]) {
            it(`${provider} ${dtype} ${shape.join('x')} ${activation}${bias ? ' + bias' : ''}: dense then dropout, bit for bit`, () => {
              const [want, got] = withProvider(provider, () => [
                run(false, dtype, shape, activation, bias),
                run(true, dtype, shape, activation, bias),
              ]);
              expectSameBits(got.out, want.out, 'out');
              want.grads.forEach((g, i) => expectSameBits(got.grads[i], g, `grad ${i}`));
              expect(got.state).toEqual(want.state);
            });
          }
        }
      }
    }
  }

  for (const provider of providers) {
    it(`${provider}: under ReLU a dropped unit passes no gradient back, even an infinite one`, () => {
      withProvider(provider, () => {
        const rng = new Generator(2);
        const x = zeros([8, 5], { requiresGrad: true });
        const w = zeros([5, 6], { requiresGrad: true });
        for (const t of [x, w]) for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
        const grads = (fused: boolean) => {
          x.grad = null;
          w.grad = null;
          const generator = new Generator(4);
          const out = fused
            ? denseDropout(x, w, null, 'relu', 0.5, { generator })
            : dropout(dense(x, w, null, 'relu'), 0.5, { generator });
          // The incoming gradient is infinite at the first dropped unit whose ReLU is positive.
          const plain = dense(x, w, null, 'relu').data;
          const at = out.data.findIndex((v, i) => v === 0 && plain[i] > 0);
          expect(at).toBeGreaterThanOrEqual(0);
          const weights = ones([8, 6]);
          weights.data[at] = Number.POSITIVE_INFINITY;
          out.backward(weights);
          return [...gradOf(x), ...gradOf(w)];
        };
        expect(grads(true).every(Number.isFinite)).toBe(true);
        expect(grads(false).some(Number.isNaN)).toBe(true);
      });
    });
  }

  // A gradient the tape lends (a later dense layer's own new array) is overwritten by the layer's
  // backward (the activation's and dropout's derivative in place); one the caller passes is only
  // read. Both must give the same gradients, bit for bit, and the caller's array must survive.
  for (const provider of providers) {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const activation of activations) {
        for (const fused of [true, false]) {
          it(`${provider} ${dtype} ${fused ? 'denseDropout' : 'dense'} ${activation}: a lent gradient is taken in place, with the caller's results`, () => {
            withProvider(provider, () => {
              const [m, k, n] = [33, 9, 70];
              const rng = new Generator(11);
              const param = (shape: number[]) => randomParam(rng, dtype, shape);
              const x = param([m, k]);
              const w = param([k, n]);
              const b = param([n]);
              const w2 = param([n, 3]);
              const layer = () =>
                fused
                  ? denseDropout(x, w, b, activation, 0.4, { generator: new Generator(5) })
                  : dense(x, w, b, activation);
              const leafGrads = () => [x, w, b].map((t) => gradOf(t));
              // Lent: the gradient reaching h is the output layer's new array.
              const h = layer();
              const node = h.node;
              if (!node?.backward) throw new Error('no backward recorded');
              const original = node.backward;
              let lent: boolean | null = null;
              node.backward = (g, owned) => {
                lent = owned;
                return original(g, owned);
              };
              const seen = backwardWithGradients(sum(dense(h, w2, null, 'linear')));
              expect(lent).toBe(true);
              const reaching = seen.get(h);
              if (!reaching) throw new Error('no gradient reached h');
              const want = leafGrads();
              for (const t of [x, w, b, w2]) t.grad = null;
              // The caller's: the same values passed to backward, which must not write over them.
              const upstream = zeros([m, n], { dtype });
              upstream.data.set(reaching);
              const before = Array.from(upstream.data);
              layer().backward(upstream);
              expectSameBits(Array.from(upstream.data), before, 'upstream');
              const got = leafGrads();
              want.forEach((g, i) => expectSameBits(got[i], g, `grad ${i}`));
              for (const t of [x, w, b, w2]) t.grad = null;
            });
          });
        }
      }
    }
  }

  it('is dense when not training or at rate 0, and checks its arguments as dense and dropout do', () => {
    const x = ones([2, 3]);
    const w = ones([3, 4]);
    const b = ones([4]);
    const plain = Array.from(dense(x, w, b, 'relu').data);
    expect(Array.from(denseDropout(x, w, b, 'relu', 0.5, { training: false }).data)).toEqual(plain);
    expect(Array.from(denseDropout(x, w, b, 'relu', 0).data)).toEqual(plain);
    expect(() => denseDropout(x, w, b, 'relu', 1)).toThrow(/denseDropout: rate must be in \[0, 1\)/);
    expect(() => denseDropout(x, ones([2, 4]), b, 'relu', 0.5)).toThrow(/denseDropout: inner dimensions/);
    expect(() => denseDropout(x, w, b, 'relu', 0.5, { seed: 1 } as never)).toThrow(/denseDropout/);
  });
});

describe('Sequential with Dense then Dropout', () => {
  const model = () =>
    new Sequential([new Dense(16, { activation: 'relu' }), new Dropout(0.5), new Dense(1)], { seed: 3 });

  it('runs the pair as one denseDropout op while training, and as Dense alone in evaluation', () => {
    const x = ones([4, 6], { requiresGrad: true });
    const net = model();
    const trained = net.forward(x);
    expect(trained.node?.inputs[0].node?.op).toBe('denseDropout');
    net.train(false);
    const evaluated = net.forward(x);
    expect(evaluated.node?.inputs[0].node?.op).toBe('dense');
  });

  it('trains to the same weights as the layers run one by one', () => {
    const rng = new Generator(9);
    const x = zeros([32, 6]);
    for (let i = 0; i < x.size; i++) x.data[i] = rng.normal();
    const target = zeros([32, 1]);
    for (let i = 0; i < target.size; i++) target.data[i] = rng.normal();
    // Built from the model's seed (a layer's own forward would build from the global generator).
    const fusedNet = model();
    const layerNet = model();
    fusedNet.buildShape([6]);
    layerNet.buildShape([6]);
    for (let step = 0; step < 3; step++) {
      for (const [net, byLayer] of [
        [fusedNet, false],
        [layerNet, true],
      ] as const) {
        const h = byLayer ? net.layers.reduce((t, layer) => layer.forward(t), x) : net.forward(x);
        const loss = sum(mul(h, target));
        for (const p of net.parameters()) p.grad = null;
        loss.backward();
        for (const p of net.parameters()) {
          const g = p.grad as Tensor;
          for (let i = 0; i < p.size; i++) p.data[i] -= 0.01 * g.data[i];
        }
      }
    }
    fusedNet.parameters().forEach((p, i) => {
      expectSameBits(Array.from(p.data), Array.from(layerNet.parameters()[i].data), `parameter ${i}`);
    });
  });
});
