/**
 * One forward and one backward pass of the fully connected network of section 4,
 * h_l = act(W_l h_{l-1} + b_l), on a tiny batch, printing the shape of everything it computes; then
 * the same backward pass by hand, layer by layer, next to autodiff's numbers; then why binary
 * cross-entropy and a sigmoid belong together (dJ/dz = (y_hat - y)/m) and why MSE through a
 * sigmoid learns slowly when the sigmoid saturates.
 *
 * The paper writes one sample as a column vector (W_l h). With a batch of rows, tensorgrad computes
 * the same thing as H_l = act(H_{l-1} W_l + b_l): row i of H_l is sample i's h_l, and W_l is stored
 * (inputs x outputs), the transpose of the paper's matrix. Everything here runs in float64, so hand
 * and engine agree to round-off (about 1e-17), not to float32's 1e-7.
 *
 *   npm run example:2                          (prints)
 *   npm run example:2 -- --out runs/pictures   (also draws the gradients of part 3 as an SVG)
 */
import * as tg from '../src/index.js';
import { addRow, columnSums, matmul, matmulTA, matmulTB, maxAbsDiff, sigmoid } from './lib/hand-matrix.js';
import { outArgument, writeChart } from './lib/hand-out.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

type Print = (line: string) => void;

export async function main({
  print = console.log,
  out = null,
}: ExampleOptions & { out?: string | null } = {}) {
  const gen = new tg.Generator(42);
  const batch = 4;
  const sizes = [10, 64, 32, 1]; // the seed model: 10 features -> 64 -> 32 -> 1
  const acts = ['relu', 'relu', 'sigmoid'] as const;
  const dtype = 'float64';

  // Glorot-uniform weights (Keras's default): U(-a, a), a = sqrt(6 / (fan_in + fan_out)); zero biases.
  const params = acts.map((_, l) => {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    const a = Math.sqrt(6 / (fanIn + fanOut));
    const w = tg.uniform([fanIn, fanOut], -a, a, { generator: gen, requiresGrad: true, dtype });
    w.name = `W${l + 1}`;
    // Small nonzero biases, so the bias gradients and the bias terms of the hand forward pass are
    // exercised (with zeros a missing "+ b" would go unnoticed).
    const b = tg.uniform([fanOut], -0.1, 0.1, { generator: gen, requiresGrad: true, dtype });
    b.name = `b${l + 1}`;
    return { w, b };
  });

  const x = tg.randn([batch, sizes[0]], { generator: gen, dtype });
  x.name = 'X';
  const y = tg.tensor([[1], [0], [0], [1]], { dtype });
  print(`Part 1: the engine's forward and backward pass (float64)`);
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

  const hand = backpropByHand(
    print,
    x.data,
    y.data,
    params.map(({ w, b }) => ({ w: w.data, b: b.data, dw: w.grad!.data, db: b.grad!.data })),
    sizes,
    batch,
    h.data,
    loss.item(),
  );
  const sigmoidLoss = await bceThroughSigmoid(print, out);
  return {
    outputShape: h.shape,
    loss: loss.item(),
    gradShapes: params.map(({ w }) => w.grad!.shape),
    ...hand,
    ...sigmoidLoss,
  };
}

interface LayerParams {
  w: ArrayLike<number>;
  b: ArrayLike<number>;
  /** autodiff's gradients, to compare with */
  dw: ArrayLike<number>;
  db: ArrayLike<number>;
}

/**
 * Part 2. Forward again with plain loops, keeping Z_l (before the activation) and H_l (after),
 * then backward in reverse order:
 *   delta_3 = dJ/dZ_3 = (P - Y) / m                  (BCE through the sigmoid, part 3)
 *   dW_l = H_(l-1)^T delta_l,   db_l = column sums of delta_l
 *   delta_(l-1) = (delta_l W_l^T) * 1[Z_(l-1) > 0]   (ReLU passes the gradient where it was active)
 */
function backpropByHand(
  print: Print,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  layers: LayerParams[],
  sizes: number[],
  m: number,
  engineP: ArrayLike<number>,
  engineLoss: number,
) {
  print('\nPart 2: the same backward pass by hand (float64 loops), layer by layer, from the top');
  const hs: ArrayLike<number>[] = [x]; // H_0 = X, H_1, H_2, P
  const zs: Float64Array[] = [];
  layers.forEach(({ w, b }, l) => {
    const z = addRow(matmul(hs[l], w, m, sizes[l], sizes[l + 1]), b, sizes[l + 1]);
    zs.push(z);
    hs.push(z.map(l === layers.length - 1 ? sigmoid : (v) => Math.max(v, 0)));
  });
  const p = hs[hs.length - 1];
  let j = 0;
  for (let i = 0; i < m; i++) j -= (y[i] * Math.log(p[i]) + (1 - y[i]) * Math.log(1 - p[i])) / m;
  const forwardDifference = Math.max(maxAbsDiff(p, engineP), Math.abs(j - engineLoss));
  print(
    `  forward: Z_l = H_(l-1) W_l + b_l, H_l = relu(Z_l), P = sigmoid(Z_3); max |hand - engine| over P and J = ${sci(forwardDifference)}`,
  );

  const result: Array<{ layer: number; dW: number; db: number }> = [];
  let delta = Float64Array.from({ length: m }, (_, i) => (p[i] - y[i]) / m);
  print(`  delta_3 = (P - Y)/m = [${Array.from(delta, (v) => v.toFixed(4)).join(', ')}]`);
  for (let l = layers.length - 1; l >= 0; l--) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    const dw = matmulTA(hs[l], delta, m, fanIn, fanOut);
    const db = columnSums(delta, m, fanOut);
    const row = { layer: l + 1, dW: maxAbsDiff(dw, layers[l].dw), db: maxAbsDiff(db, layers[l].db) };
    result.unshift(row);
    const below = l === 0 ? 'X' : `H_${l}`;
    print(
      `  layer ${l + 1}: dW_${l + 1} = ${below}^T delta_${l + 1} [${fanIn} x ${fanOut}]  max |hand - autodiff| = ${sci(row.dW)};  db_${l + 1} = column sums of delta_${l + 1}: ${sci(row.db)}`,
    );
    if (l === 0) break;
    // delta_l = (delta_(l+1) W_(l+1)^T) * relu'(Z_l); relu'(0) is 0, as in the engine.
    const back = matmulTB(delta, layers[l].w, m, fanOut, fanIn);
    const z = zs[l - 1];
    delta = back.map((v, i) => (z[i] > 0 ? v : 0));
    const active = z.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    print(
      `  delta_${l} = (delta_${l + 1} W_${l + 1}^T) * 1[Z_${l} > 0]  [${m} x ${fanIn}], ${active} of ${z.length} units active`,
    );
  }
  const handVsAutodiff = Math.max(...result.map((r) => Math.max(r.dW, r.db)));
  print(`  largest difference over all layers: ${sci(handVsAutodiff)} (float64 round-off is about 1e-16)`);
  return { layers: result, forwardDifference, handVsAutodiff };
}

/**
 * Part 3. For one sample, J = -[y log p + (1 - y) log(1 - p)] and p = sigmoid(z):
 *   dJ/dp = -y/p + (1 - y)/(1 - p) = (p - y) / (p (1 - p)),   dp/dz = p (1 - p),
 *   so dJ/dz = p - y, and over a batch of m, dJ/dz_i = (p_i - y_i)/m: the p(1 - p) cancels.
 * MSE keeps it: J = (p - y)^2 gives dJ/dz = 2 (p - y) p (1 - p), which is near 0 whenever the
 * sigmoid saturates, even when the prediction is completely wrong.
 */
async function bceThroughSigmoid(print: Print, out: string | null) {
  print('\nPart 3: the gradient of the loss with respect to the logit z, p = sigmoid(z)');
  print('  BCE: dJ/dp = (p - y)/(p(1 - p)), dp/dz = p(1 - p)  =>  dJ/dz = (p - y)/m');
  print('  MSE: J = (1/m) sum (p - y)^2                         =>  dJ/dz = 2(p - y) p(1 - p)/m');
  const zValues = Array.from({ length: 13 }, (_, i) => i - 6);
  const m = zValues.length;
  const target = tg.ones([m, 1], { dtype: 'float64' }); // every sample is a buyer: y = 1
  const lossOf = (kind: 'bce' | 'mse', zs: number[]) => {
    const z = tg.tensor(Float64Array.from(zs), [m, 1], { requiresGrad: true });
    const p = tg.sigmoid(z);
    const loss = kind === 'bce' ? tg.bce(p, target) : tg.mse(p, target);
    return { z, p: p.data, loss };
  };

  const bce = lossOf('bce', zValues);
  bce.loss.backward();
  const bceHand = Array.from(bce.p, (p) => (p - 1) / m);
  const bceDifference = maxAbsDiff(bceHand, bce.z.grad!.data);
  // Central differences on J itself: a check that needs neither the formula nor autodiff.
  const eps = 1e-6;
  const numeric = zValues.map((_, i) => {
    const shifted = (d: number) =>
      lossOf(
        'bce',
        zValues.map((z, k) => (k === i ? z + d : z)),
      ).loss.item();
    return (shifted(eps) - shifted(-eps)) / (2 * eps);
  });
  const bceNumericDifference = maxAbsDiff(bceHand, numeric);

  const mse = lossOf('mse', zValues);
  mse.loss.backward();
  const mseHand = Array.from(mse.p, (p) => (2 * (p - 1) * p * (1 - p)) / m);
  const mseDifference = maxAbsDiff(mseHand, mse.z.grad!.data);

  print(`  y = 1 for all ${m} samples; columns are m * dJ/dz (the gradient one sample contributes)`);
  print(
    `  ${'z'.padStart(4)}${'p'.padStart(10)}${'BCE: p - y'.padStart(14)}${'MSE: 2(p-y)p(1-p)'.padStart(20)}`,
  );
  zValues.forEach((z, i) => {
    print(
      `  ${String(z).padStart(4)}${bce.p[i].toFixed(4).padStart(10)}${(bceHand[i] * m).toFixed(4).padStart(14)}${(mseHand[i] * m).toFixed(4).padStart(20)}`,
    );
  });
  print(`  BCE hand vs autodiff ${sci(bceDifference)}, vs central differences ${sci(bceNumericDifference)};`);
  print(`  MSE hand vs autodiff ${sci(mseDifference)}.`);
  const atWorst = { bce: bceHand[0] * m, mse: mseHand[0] * m };
  print(
    `  At z = -6 the model says 0.25 % for a buyer: BCE still pushes with ${atWorst.bce.toFixed(3)}, MSE with only ${atWorst.mse.toFixed(4)},`,
  );
  print(
    `  ${(atWorst.bce / atWorst.mse).toFixed(0)} times weaker: the saturated sigmoid's p(1 - p) multiplies it away, and learning stalls.`,
  );

  const grid = Array.from({ length: 49 }, (_, i) => -6 + i * 0.25);
  const points = (f: (p: number) => number) => grid.map((z) => ({ x: z, y: f(sigmoid(z)) }));
  const chart = await writeChart(
    out,
    '02-sigmoid-gradients.svg',
    {
      title: 'dJ/dz for one buyer (y = 1): BCE keeps pushing, MSE vanishes where the sigmoid saturates',
      xLabel: 'logit z (p = sigmoid(z))',
      yLabel: 'dJ/dz',
      series: [
        { name: 'BCE: p - y', points: points((p) => p - 1) },
        { name: 'MSE: 2(p-y)p(1-p)', points: points((p) => 2 * (p - 1) * p * (1 - p)) },
        { name: "sigmoid' = p(1-p)", points: points((p) => p * (1 - p)) },
      ],
    },
    print,
  );
  return {
    bceDifference,
    bceNumericDifference,
    mseDifference,
    atWorst,
    charts: chart ? [chart] : [],
  };
}

const shape = (t: tg.Tensor) => `[${t.shape.join(' x ')}]`;
const norm = (t: tg.Tensor) => Math.hypot(...t.data);
const sci = (v: number) => v.toExponential(1);

runIfMain(import.meta.url, (options) => main({ ...options, out: outArgument() }));
