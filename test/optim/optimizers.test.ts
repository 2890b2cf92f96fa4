import { describe, expect, it } from 'vitest';
import { Adam, AdamW, SGD, Tensor } from '../../src/index.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

// One float64 parameter [1, -2] fed a fixed sequence of gradients; the expected values are worked
// out below with plain numbers, independently of the optimizers' code.
const GRADS = [
  [0.5, -1],
  [-0.2, 0.4],
  [1, 0.3],
];

function run(opt: Optimizer, steps = GRADS.length): number[][] {
  const p = new Tensor(Float64Array.from([1, -2]), [2], true);
  opt.setParameters([p]);
  const seen: number[][] = [];
  for (let s = 0; s < steps; s++) {
    p.grad = new Tensor(Float64Array.from(GRADS[s]), [2]);
    opt.step();
    seen.push([...p.data]);
  }
  return seen;
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(expected[i][j], 12);
    });
  });
}

describe('SGD', () => {
  it('plain: p -= lr g', () => {
    // lr 0.1: 1 - 0.05 = 0.95, 0.95 + 0.02 = 0.97, 0.97 - 0.1 = 0.87; -2 + 0.1 = -1.9, -1.94, -1.97
    expectClose(run(new SGD({ lr: 0.1 })), [
      [0.95, -1.9],
      [0.97, -1.94],
      [0.87, -1.97],
    ]);
  });

  it('momentum 0.9: v = 0.9 v - lr g; p += v', () => {
    // first coordinate: v1 = -0.05, p = 0.95; v2 = -0.045 + 0.02 = -0.025, p = 0.925;
    // v3 = -0.0225 - 0.1 = -0.1225, p = 0.8025
    // second: v1 = 0.1, p = -1.9; v2 = 0.09 - 0.04 = 0.05, p = -1.85; v3 = 0.045 - 0.03 = 0.015, p = -1.835
    expectClose(run(new SGD({ lr: 0.1, momentum: 0.9 })), [
      [0.95, -1.9],
      [0.925, -1.85],
      [0.8025, -1.835],
    ]);
  });

  it('nesterov: p += 0.9 v - lr g with the new v', () => {
    // first coordinate: v1 = -0.05, p = 1 - 0.045 - 0.05 = 0.905; v2 = -0.025, p = 0.905 - 0.0225 + 0.02 = 0.9025;
    // v3 = -0.1225, p = 0.9025 - 0.11025 - 0.1 = 0.69225
    // second: v1 = 0.1, p = -2 + 0.09 + 0.1 = -1.81; v2 = 0.05, p = -1.81 + 0.045 - 0.04 = -1.805;
    // v3 = 0.015, p = -1.805 + 0.0135 - 0.03 = -1.8215
    expectClose(run(new SGD({ lr: 0.1, momentum: 0.9, nesterov: true })), [
      [0.905, -1.81],
      [0.9025, -1.805],
      [0.69225, -1.8215],
    ]);
  });

  it('weight decay adds wd p to the gradient', () => {
    // lr 0.1, wd 0.5, first coordinate: g' = 0.5 + 0.5 = 1, p = 0.9; g' = -0.2 + 0.45 = 0.25, p = 0.875;
    // g' = 1 + 0.4375 = 1.4375, p = 0.73125
    const out = run(new SGD({ lr: 0.1, weightDecay: 0.5 }));
    expect(out.map((r) => r[0])).toEqual([0.9, 0.875, 0.73125].map((v) => expect.closeTo(v, 12)));
  });

  it('rejects bad settings with the value', () => {
    expect(() => new SGD({ momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\), got 1.5/);
    expect(() => new SGD({ lr: -1 })).toThrow(/lr must be a finite number >= 0, got -1/);
    expect(() => new SGD({ nesterov: true })).toThrow(/nesterov needs a momentum/);
  });
});

/** Adam in the textbook form with bias-corrected moments, and Keras's epsilon-hat. */
function adamByHand(lr: number, wd = 0): number[][] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  const p = [1, -2];
  const m = [0, 0];
  const v = [0, 0];
  const out: number[][] = [];
  GRADS.forEach((g, s) => {
    const t = s + 1;
    for (let j = 0; j < 2; j++) {
      p[j] = p[j] - lr * wd * p[j];
      m[j] = 0.9 * m[j] + 0.1 * g[j];
      v[j] = 0.999 * v[j] + 0.001 * g[j] * g[j];
      const mHat = m[j] / (1 - b1 ** t);
      const vHat = v[j] / (1 - b2 ** t);
      p[j] -= (lr * mHat) / (Math.sqrt(vHat) + eps / Math.sqrt(1 - b2 ** t));
    }
    out.push([...p]);
  });
  return out;
}

describe('Adam', () => {
  it('defaults are Keras: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7', () => {
    const a = new Adam();
    expect([a.lr, a.beta1, a.beta2, a.epsilon]).toEqual([0.001, 0.9, 0.999, 1e-7]);
  });

  it('first step moves each weight by about lr against the gradient sign', () => {
    // m1 = 0.1 g, v1 = 0.001 g^2: step = lr * sqrt(0.001)/0.1 * 0.1 g / (sqrt(0.001)|g| + 1e-7) ~ lr sign(g)
    const [first] = run(new Adam({ lr: 0.1 }), 1);
    expect(first[0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-7 / Math.sqrt(0.001))), 12);
    expect(first[1]).toBeCloseTo(-2 + 0.1 * (1 / (1 + 1e-7 / Math.sqrt(0.001))), 12);
  });

  it('three steps match the bias-corrected textbook update', () => {
    expectClose(run(new Adam({ lr: 0.1 })), adamByHand(0.1));
  });

  it('matches the hand values of step 2 written out', () => {
    // coordinate 0, step 2: m = 0.9*0.05 + 0.1*(-0.2) = 0.025; v = 0.999*0.00025 + 0.001*0.04 = 0.00028975
    // mHat = 0.025/0.19 = 0.131578947..., vHat = 0.00028975/0.001999 = 0.144947...
    const mHat = 0.025 / 0.19;
    const vHat = 0.00028975 / 0.001999;
    const p1 = 1 - 0.1 * (0.5 / (0.5 + 1e-7 / Math.sqrt(0.001)));
    const p2 = p1 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-7 / Math.sqrt(0.001999));
    expect(run(new Adam({ lr: 0.1 }), 2)[1][0]).toBeCloseTo(p2, 12);
  });
});

describe('AdamW', () => {
  it('decays the weights by lr * wd before each Adam step (decoupled from the gradient)', () => {
    expectClose(run(new AdamW({ lr: 0.1, weightDecay: 0.2 })), adamByHand(0.1, 0.2));
  });

  it('defaults to Keras weight decay 0.004 and equals Adam at 0', () => {
    expect(new AdamW().weightDecay).toBe(0.004);
    expectClose(run(new AdamW({ lr: 0.1, weightDecay: 0 })), run(new Adam({ lr: 0.1 })));
  });
});

describe('Optimizer plumbing', () => {
  it('zeroGrad keeps the gradient buffers and zeroes them; step skips params without grad', () => {
    const p = new Tensor(Float64Array.from([1]), [1], true);
    const q = new Tensor(Float64Array.from([5]), [1], true);
    const opt = new SGD({ lr: 1 }).setParameters([p, q]);
    p.grad = new Tensor(Float64Array.from([2]), [1]);
    const buf = p.grad.data;
    opt.step();
    opt.zeroGrad();
    expect(p.grad.data).toBe(buf);
    expect([...buf]).toEqual([0]);
    expect([p.data[0], q.data[0]]).toEqual([-1, 5]);
    expect(opt.iterations).toBe(1);
  });
});
