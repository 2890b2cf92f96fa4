/**
 * Section 4 of the paper, step by step: a linear model, the mean squared error, its gradient by the
 * paper's formula, the same gradient by reverse-mode autodiff, and both checked numerically. Then
 * gradient descent and its stochastic (mini-batch) form, written out by hand. Last, the learning
 * rate: the loss is a quadratic bowl whose curvature is the Hessian H = (2/m) A^T A, and gradient
 * descent diverges once lr passes 2 / lambda_max(H). A sweep below, near and above that limit, GD
 * against SGD, checked against the rate the eigenvalues predict.
 *
 *   npm run example:1 [-- --out DIR]   (DIR receives 01-learning-rates-gd.svg and -sgd.svg)
 */
import * as tg from '../src/index.js';
import type { Series } from '../src/report/chart.js';
import { outArgument, writeChart } from './lib/hand-out.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

export async function main({
  quick = false,
  print = console.log,
  out,
}: ExampleOptions & { out?: string | null } = {}) {
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
  // Printed at steps 1, 2, 5, 10, 20, 50, ...: the loss falls geometrically, so equal gaps in step
  // would show only the flat end of the curve.
  print(`\ngradient descent (full batch), learning rate ${lr}:`);
  const gdLoss = last(descend(x, target, lr, steps, m, rng, print));
  // 6. Stochastic gradient descent: the same update on random mini-batches of 16.
  print(`\nstochastic gradient descent (batch 16), learning rate ${lr}:`);
  const sgdLoss = last(descend(x, target, lr, steps, 16, rng, print));

  const sweep = await learningRates(x, y, target, rng, quick, print, out);
  return { gradientDifference: diff, gradcheckOk: check.ok, gdLoss, sgdLoss, ...sweep };
}

/**
 * 7. The learning rate. J is quadratic in w = (theta, b): with A = [X, 1] (a column of ones for
 * the bias), J(w) = J* + (w - w*)^T (H / 2) (w - w*) with H = (2/m) A^T A and w* the least-squares
 * solution. One GD step maps w - w* to (I - lr H)(w - w*), so along the eigenvector of eigenvalue
 * lambda the error is multiplied by (1 - lr lambda) every step: it shrinks when |1 - lr lambda| < 1,
 * i.e. lr < 2 / lambda, for every lambda, which means lr < 2 / lambda_max.
 */
async function learningRates(
  x: tg.Tensor,
  y: Float64Array,
  target: tg.Tensor,
  rng: tg.Generator,
  quick: boolean,
  print: (line: string) => void,
  out: string | null | undefined,
) {
  const [m, d] = x.shape;
  const p = d + 1;
  const a = (i: number, j: number) => (j < d ? x.data[i * d + j] : 1);
  const hessian = new Float64Array(p * p);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) hessian[j * p + k] += (2 / m) * a(i, j) * a(i, k);
  print('\nThe Hessian of J over (theta, b): H = (2/m) A^T A, A = [X, 1]:');
  for (let j = 0; j < p; j++) print(`  ${fmt(hessian.subarray(j * p, (j + 1) * p))}`);

  // lambda_max by power iteration: v <- H v / |H v| converges to the top eigenvector, and v^T H v
  // to its eigenvalue. lambda_min the same way on lambda_max I - H, whose top eigenvalue is
  // lambda_max - lambda_min.
  const top = powerIteration(hessian, p);
  const shifted = hessian.map((h, i) => (i % (p + 1) === 0 ? top.value - h : -h));
  const lambdaMax = top.value;
  const lambdaMin = lambdaMax - powerIteration(shifted, p).value;
  const limit = 2 / lambdaMax;
  const optimal = 2 / (lambdaMax + lambdaMin);
  print(
    `lambda_max = ${lambdaMax.toFixed(6)} (power iteration, ${top.iterations} steps, residual |Hv - lambda v| ${top.residual.toExponential(1)}), lambda_min = ${lambdaMin.toFixed(6)}`,
  );
  print(
    `divergence limit 2 / lambda_max = ${limit.toFixed(6)}; fastest rate at lr = 2 / (lambda_max + lambda_min) = ${optimal.toFixed(6)}`,
  );

  // The minimum J* by the normal equations A^T A w* = A^T y (Gaussian elimination), so the plots
  // can show J - J*, which falls to zero, instead of J, which flattens at the noise.
  const rhs = new Float64Array(p);
  for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) rhs[j] += (2 / m) * a(i, j) * y[i];
  const wStar = solve(hessian, rhs, p);
  const jStar = tg.noGrad(() =>
    tg
      .mse(
        x.matmul(tg.tensor(wStar.slice(0, d), [d, 1])).add(tg.tensor([wStar[d]], { dtype: 'float64' })),
        target,
      )
      .item(),
  );
  print(
    `least squares: theta* = ${fmt(wStar.subarray(0, d))}, b* = ${wStar[d].toFixed(4)}, J* = ${jStar.toFixed(6)}`,
  );

  const fractions = [0.2, optimal / limit, 0.9, 1.05, 1.2];
  const steps = quick ? 30 : 60;
  const shown = geometricSteps(steps);
  print(
    `\nJ - J* per step, GD (full batch) and SGD (batch 16) from w = 0; rate = max |1 - lr lambda| per step:`,
  );
  print(
    `  ${'lr'.padEnd(22)}${'rate'.padStart(7)} ${'run'.padStart(4)}${shown.map((t) => `step ${t}`.padStart(10)).join('')}`,
  );
  const runs = fractions.map((fraction) => {
    const lr = fraction * limit;
    const rate = Math.max(Math.abs(1 - lr * lambdaMax), Math.abs(1 - lr * lambdaMin));
    const gd = descend(x, target, lr, steps, m, rng).map((j) => j - jStar);
    const sgd = descend(x, target, lr, steps, 16, rng).map((j) => j - jStar);
    const name = `${lr.toFixed(4)} (${fraction.toFixed(2)} x limit)`;
    for (const [run, excess] of [
      ['GD', gd],
      ['SGD', sgd],
    ] as const) {
      const cells = shown.map((t) => Math.max(0, excess[t]).toExponential(1).padStart(10)).join('');
      print(
        `  ${(run === 'GD' ? name : '').padEnd(22)}${(run === 'GD' ? rate.toFixed(3) : '').padStart(7)} ${run.padStart(4)}${cells}`,
      );
    }
    // The check: on a quadratic every eigen-direction shrinks by |1 - lr lambda| per step, so
    // J_t - J* <= rate^(2t) (J_0 - J*), and when lr is past the limit the lambda_max direction takes
    // over and the excess grows by (lr lambda_max - 1)^2 per step.
    const boundHolds = gd.every((e, t) => e <= rate ** (2 * t) * gd[0] * (1 + 1e-9) + 1e-12);
    const growth = Math.sqrt(gd[steps] / gd[steps - 1]);
    const diverged = !(gd[steps] < gd[0]);
    const sgdDiverged = !(sgd[steps] < sgd[0]);
    return { lr, fraction, rate, boundHolds, growth, diverged, sgdDiverged, gd, sgd, name };
  });
  for (const r of runs.filter((r) => r.diverged)) {
    print(
      `  lr ${r.lr.toFixed(4)} diverges: the excess grows x${(r.growth ** 2).toFixed(4)} per step, predicted (lr lambda_max - 1)^2 = ${((r.lr * lambdaMax - 1) ** 2).toFixed(4)}`,
    );
  }
  print(`  bound J_t - J* <= rate^2t (J_0 - J*) holds for every GD run: ${runs.every((r) => r.boundHolds)}`);
  print('  A larger step is faster until the best rate at 2 / (lambda_max + lambda_min), then slower');
  print('  again: just under the limit the steepest direction overshoots and flips sign each step');
  print('  (1 - lr lambda_max near -1), slowly settling; past it each overshoot is larger than the last.');
  print('  SGD follows GD while the steps are small, then stalls at a noise floor (each batch has its own');
  print('  minimum), and its batch Hessians have a larger lambda_max than the full one, so it can blow up');
  print('  at rates GD survives.');

  if (out) {
    for (const [run, key] of [
      ['GD (full batch)', 'gd'],
      ['SGD (batch 16)', 'sgd'],
    ] as const) {
      const series: Series[] = runs.map((r) => ({
        name: `lr ${r.lr.toFixed(3)} = ${r.fraction.toFixed(2)} x limit`,
        points: r[key].flatMap((e, t) => (e > 1e-14 && Number.isFinite(e) ? [{ x: t, y: e }] : [])),
      }));
      await writeChart(
        out,
        `01-learning-rates-${key}.svg`,
        {
          title: `${run}: J - J* per step, lambda_max = ${lambdaMax.toFixed(3)}, limit 2/lambda_max = ${limit.toFixed(3)}`,
          xLabel: 'step',
          yLabel: 'J - J* (log scale)',
          logY: true,
          series,
        },
        print,
      );
    }
  }
  return {
    lambdaMax,
    lambdaMin,
    limit,
    sweep: runs.map(({ lr, fraction, rate, boundHolds, growth, diverged, sgdDiverged }) => ({
      lr,
      fraction,
      rate,
      boundHolds,
      growth,
      diverged,
      sgdDiverged,
    })),
  };
}

function powerIteration(h: Float64Array, p: number) {
  let v = new Float64Array(p).fill(1 / Math.sqrt(p));
  let value = 0;
  let iterations = 0;
  const times = (u: Float64Array) =>
    Float64Array.from({ length: p }, (_, j) => u.reduce((s, uk, k) => s + h[j * p + k] * uk, 0));
  for (; iterations < 10_000; iterations++) {
    const hv = times(v);
    const norm = Math.hypot(...hv);
    const next = hv.map((e) => e / norm);
    const hNext = times(next);
    value = next.reduce((s, e, j) => s + e * hNext[j], 0);
    const moved = Math.hypot(...next.map((e, j) => e - v[j]));
    v = next;
    if (moved < 1e-13) break;
  }
  const hv = times(v);
  const residual = Math.hypot(...hv.map((e, j) => e - value * v[j]));
  return { value, iterations: iterations + 1, residual };
}

/** Gaussian elimination with partial pivoting on a copy of the p x p system. */
function solve(matrix: Float64Array, rhs: Float64Array, p: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r * p + c]) > Math.abs(a[pivot * p + c])) pivot = r;
    for (let k = 0; k < p; k++) [a[c * p + k], a[pivot * p + k]] = [a[pivot * p + k], a[c * p + k]];
    [b[c], b[pivot]] = [b[pivot], b[c]];
    for (let r = c + 1; r < p; r++) {
      const f = a[r * p + c] / a[c * p + c];
      for (let k = c; k < p; k++) a[r * p + k] -= f * a[c * p + k];
      b[r] -= f * b[c];
    }
  }
  const w = new Float64Array(p);
  for (let r = p - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < p; k++) s -= a[r * p + k] * w[k];
    w[r] = s / a[r * p + r];
  }
  return w;
}

/** 1, 2, 5, 10, 20, 50, ... up to and including the last step. */
function geometricSteps(steps: number): number[] {
  const out: number[] = [];
  for (let decade = 1; decade <= steps; decade *= 10)
    for (const k of [1, 2, 5]) if (k * decade < steps) out.push(k * decade);
  return [...out, steps];
}

const last = (values: number[]) => values[values.length - 1];

/**
 * Runs `steps` updates theta <- theta - lr dJ/dtheta (gradients by autodiff) on batches of `batch`
 * rows and returns the full-data loss before the first step and after each one (steps + 1 values).
 * With `print`, shows the progress at steps 1, 2, 5, 10, 20, 50, ...
 */
function descend(
  x: tg.Tensor,
  target: tg.Tensor,
  lr: number,
  steps: number,
  batch: number,
  rng: tg.Generator,
  print?: (line: string) => void,
): number[] {
  const [m, d] = x.shape;
  const theta = tg.zeros([d, 1], { dtype: 'float64', requiresGrad: true });
  const bias = tg.zeros([1], { dtype: 'float64', requiresGrad: true });
  const fullLoss = () => tg.noGrad(() => tg.mse(x.matmul(theta).add(bias), target).item());
  const shown = new Set(geometricSteps(steps));
  const history = [fullLoss()];
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
    history.push(fullLoss());
    if (print && shown.has(step)) {
      print(
        `  step ${String(step).padStart(3)}: J = ${history[step].toFixed(5)}  theta = ${fmt(theta.data)}  b = ${bias.data[0].toFixed(3)}`,
      );
    }
  }
  return history;
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

runIfMain(import.meta.url, (options) => main({ ...options, out: outArgument() }));
