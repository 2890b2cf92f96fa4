/**
 * One forward and one backward pass of the fully connected network of section 4,
 * h_l = act(W_l h_{l-1} + b_l), on a tiny batch, printing the shape of everything it computes.
 *
 * The paper writes one sample as a column vector (W_l h). With a batch of rows, tensorgrad computes
 * the same thing as H_l = act(H_{l-1} W_l + b_l): row i of H_l is sample i's h_l, and W_l is stored
 * (inputs x outputs), the transpose of the paper's matrix.
 *
 *   npm run example:2
 */
import * as tg from '../src/index.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

export async function main({ print = console.log }: ExampleOptions = {}) {
  const gen = new tg.Generator(42);
  const batch = 4;
  const sizes = [10, 64, 32, 1]; // the seed model: 10 features -> 64 -> 32 -> 1
  const acts = ['relu', 'relu', 'sigmoid'] as const;

  // Glorot-uniform weights (Keras's default): U(-a, a), a = sqrt(6 / (fan_in + fan_out)); zero biases.
  const params = acts.map((_, l) => {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    const a = Math.sqrt(6 / (fanIn + fanOut));
    const w = tg.uniform([fanIn, fanOut], -a, a, { generator: gen, requiresGrad: true });
    w.name = `W${l + 1}`;
    const b = tg.zeros([fanOut], { requiresGrad: true });
    b.name = `b${l + 1}`;
    return { w, b };
  });

  const x = tg.randn([batch, sizes[0]], { generator: gen });
  x.name = 'X';
  const y = tg.tensor([[1], [0], [0], [1]]);
  print(`input X: ${shape(x)}  (${batch} samples, ${sizes[0]} features)`);

  let h = x;
  params.forEach(({ w, b }, l) => {
    h = tg.dense(h, w, b, acts[l]);
    print(`layer ${l + 1}: H${l + 1} = ${acts[l]}(H${l} ${shape(w)} + b ${shape(b)}) -> ${shape(h)}`);
  });
  print(`predicted purchase probabilities: ${Array.from(h.data, (v) => v.toFixed(3)).join(', ')}`);

  const loss = tg.bce(h, y);
  print(`binary cross-entropy J = -(1/m) sum [y log p + (1 - y) log(1 - p)] = ${loss.item().toFixed(4)}`);

  loss.backward();
  print('\nbackward: every gradient has the shape of its parameter');
  params.forEach(({ w, b }, l) => {
    print(
      `  dJ/dW${l + 1}: ${shape(w.grad!)}  |grad| = ${norm(w.grad!).toFixed(4)}    dJ/db${l + 1}: ${shape(b.grad!)}`,
    );
  });
  return { outputShape: h.shape, loss: loss.item(), gradShapes: params.map(({ w }) => w.grad!.shape) };
}

const shape = (t: tg.Tensor) => `[${t.shape.join(' x ')}]`;
const norm = (t: tg.Tensor) => Math.hypot(...t.data);

runIfMain(import.meta.url, main);
