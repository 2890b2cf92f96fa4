/**
 * Section 4 of the paper, step by step: a linear model, the mean squared error, its gradient by the
 * paper's formula, the same gradient by reverse-mode autodiff, and both checked numerically. Then
 * gradient descent and its stochastic (mini-batch) form, written out by hand.
 *
 *   npm run example:1
 */
import * as tg from '../src/index.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

export async function main({ quick = false, print = console.log }: ExampleOptions = {}) {
  const rng = new tg.Generator(1);
  const m = quick ? 64 : 256; // samples
  const d = 3; // features
  const trueTheta = [2, -1, 0.5];
  const trueBias = 0.3;

  // Data: y = x . theta + b + noise.
  const x = tg.randn([m, d], { dtype: 'float64', generator: rng });
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let v = trueBias + 0.1 * rng.normal();
    for (let j = 0; j < d; j++) v += x.data[i * d + j] * trueTheta[j];
    y[i] = v;
  }
  const target = tg.tensor(y, [m, 1]);
  print(`Data: m = ${m} samples, ${d} features, true theta = [${trueTheta}], true bias = ${trueBias}.`);

  // 1. The loss J(theta) = (1/m) sum (yhat_i - y_i)^2 with yhat = x theta + b.
  const theta = tg.zeros([d, 1], { dtype: 'float64', requiresGrad: true });
  const bias = tg.zeros([1], { dtype: 'float64', requiresGrad: true });
  const predict = (th: tg.Tensor, b: tg.Tensor) => x.matmul(th).add(b);
  const loss = tg.mse(predict(theta, bias), target);
  print(`\nJ(theta = 0) = ${loss.item().toFixed(4)}`);

  // 2. The paper's gradient: dJ/dtheta = (2/m) sum (yhat_i - y_i) dyhat_i/dtheta, and dyhat_i/dtheta = x_i.
  const yhat = predict(theta, bias).data;
  const byFormula = new Float64Array(d);
  let biasByFormula = 0;
  for (let i = 0; i < m; i++) {
    const r = yhat[i] - y[i];
    for (let j = 0; j < d; j++) byFormula[j] += (2 / m) * r * x.data[i * d + j];
    biasByFormula += (2 / m) * r;
  }

  // 3. The same gradient by reverse-mode autodiff.
  loss.backward();
  print(`dJ/dtheta by the formula (2/m) sum (yhat - y) x : ${fmt(byFormula)}`);
  print(`dJ/dtheta by autodiff (loss.backward())        : ${fmt(theta.grad!.data)}`);
  print(`dJ/db by the formula ${biasByFormula.toFixed(6)}, by autodiff ${bias.grad!.item().toFixed(6)}`);
  const diff = Math.max(...byFormula.map((g, j) => Math.abs(g - theta.grad!.data[j])));
  print(`largest difference: ${diff.toExponential(2)}`);

  // 4. Both against central differences, the way every op in tensorgrad is checked.
  const check = tg.gradcheck(
    (th, b) => tg.mse(predict(th, b), target),
    [
      tg.tensor(new Float64Array([0.5, 0.5, 0.5]), [d, 1], { requiresGrad: true }),
      tg.tensor([0.1], { dtype: 'float64', requiresGrad: true }),
    ],
  );
  print(
    `gradcheck (central differences, eps 1e-6): ok = ${check.ok}, worst relative error ${check.maxRelError.toExponential(2)}`,
  );

  // 5. Gradient descent: theta <- theta - lr * dJ/dtheta, on all m samples each step.
  const lr = 0.1;
  const steps = quick ? 60 : 200;
  const gdLoss = descend(x, target, lr, steps, m, rng, print, 'gradient descent (full batch)');
  // 6. Stochastic gradient descent: the same update on random mini-batches of 16.
  const sgdLoss = descend(x, target, lr, steps, 16, rng, print, 'stochastic gradient descent (batch 16)');
  return { gradientDifference: diff, gradcheckOk: check.ok, gdLoss, sgdLoss };
}

function descend(
  x: tg.Tensor,
  target: tg.Tensor,
  lr: number,
  steps: number,
  batch: number,
  rng: tg.Generator,
  print: (line: string) => void,
  title: string,
): number {
  const [m, d] = x.shape;
  const theta = tg.zeros([d, 1], { dtype: 'float64', requiresGrad: true });
  const bias = tg.zeros([1], { dtype: 'float64', requiresGrad: true });
  print(`\n${title}, learning rate ${lr}:`);
  let last = Number.NaN;
  for (let step = 1; step <= steps; step++) {
    const rows = batch === m ? null : Array.from(rng.permutation(m).subarray(0, batch));
    const xb = rows ? pick(x, rows) : x;
    const yb = rows ? pick(target, rows) : target;
    const loss = tg.mse(xb.matmul(theta).add(bias), yb);
    theta.zeroGrad();
    bias.zeroGrad();
    loss.backward();
    tg.noGrad(() => {
      for (let j = 0; j < d; j++) theta.data[j] -= lr * theta.grad!.data[j];
      bias.data[0] -= lr * bias.grad!.data[0];
    });
    last = tg.noGrad(() => tg.mse(x.matmul(theta).add(bias), target).item());
    if (step === 1 || step % Math.max(1, Math.floor(steps / 4)) === 0) {
      print(
        `  step ${String(step).padStart(3)}: J = ${last.toFixed(5)}  theta = ${fmt(theta.data)}  b = ${bias.data[0].toFixed(3)}`,
      );
    }
  }
  return last;
}

function pick(t: tg.Tensor, rows: number[]): tg.Tensor {
  const cols = t.shape[1];
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => out.set(t.data.subarray(r * cols, (r + 1) * cols), i * cols));
  return tg.tensor(out, [rows.length, cols]);
}

function fmt(values: ArrayLike<number>): string {
  return `[${Array.from(values, (v) => v.toFixed(4)).join(', ')}]`;
}

runIfMain(import.meta.url, main);
