import { describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  CosineDecay,
  Dense,
  ExponentialDecay,
  Model,
  PiecewiseConstantDecay,
  RMSprop,
  SGD,
  Tensor,
} from '../../src/index.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

// biome-ignore lint/suspicious/noExplicitAny: options a JavaScript caller can pass
type Loose = any;

/** Parameters of the given values, stepped once per gradient list. */
function steps(opt: Optimizer, start: number[][], grads: number[][][]): number[][][] {
  const ps = start.map((v) => new Tensor(Float64Array.from(v), [v.length], true));
  opt.setParameters(ps);
  return grads.map((gs) => {
    ps.forEach((p, i) => {
      p.grad = new Tensor(Float64Array.from(gs[i]), [gs[i].length]);
    });
    opt.step();
    return ps.map((p) => [...p.data]);
  });
}

describe('RMSprop', () => {
  it("has Keras's defaults", () => {
    const o = new RMSprop();
    expect([o.lr, o.rho, o.momentum, o.epsilon, o.centered]).toEqual([0.001, 0.9, 0, 1e-7, false]);
  });

  it("matches Keras's documented example: var 10, loss var^2 / 2, lr 0.1 -> 9.683772 after one step", () => {
    const [[after]] = steps(new RMSprop({ learningRate: 0.1 }), [[10]], [[[10]]]);
    expect(after[0]).toBeCloseTo(9.683772, 6);
  });

  it('momentum and centered variants follow the formulas step by step', () => {
    const grads = [[[0.5, -1]], [[-0.2, 0.4]], [[1, 0.3]]];
    const expected = (momentum: number, centered: boolean) => {
      // Keras's update, written out with plain numbers.
      const p = [1, -2];
      const v = [0, 0];
      const a = [0, 0];
      const m = [0, 0];
      return grads.map(([g]) => {
        for (let j = 0; j < 2; j++) {
          v[j] = 0.9 * v[j] + 0.1 * g[j] ** 2;
          a[j] = 0.9 * a[j] + 0.1 * g[j];
          const denominator = centered ? v[j] - a[j] ** 2 + 1e-7 : v[j] + 1e-7;
          const increment = (0.01 * g[j]) / Math.sqrt(denominator);
          m[j] = momentum * m[j] + increment;
          p[j] -= momentum > 0 ? m[j] : increment;
        }
        return [...p];
      });
    };
    for (const [momentum, centered] of [
      [0, false],
      [0.9, false],
      [0, true],
      [0.5, true],
    ] as const) {
      const got = steps(new RMSprop({ lr: 0.01, momentum, centered }), [[1, -2]], grads);
      got.forEach(([row], i) => {
        row.forEach((value, j) => {
          expect(value).toBeCloseTo(expected(momentum, centered)[i][j], 13);
        });
      });
    }
  });

  it('refuses bad settings with the value', () => {
    expect(() => new RMSprop({ rho: 1 })).toThrow('RMSprop: rho must be in [0, 1), got 1');
    expect(() => new RMSprop({ centered: 'yes' as Loose })).toThrow(
      'RMSprop: centered must be true or false, got yes',
    );
    expect(() => new RMSprop({ decay: 0.1 } as Loose)).toThrow(
      "RMSprop: unknown option 'decay'; known options: lr, learningRate, clipNorm, globalClipNorm, clipValue, rho, momentum, epsilon, centered",
    );
  });
});

describe('gradient clipping (every optimizer)', () => {
  it('clipNorm scales each gradient to at most that L2 norm, one tensor at a time', () => {
    // [3, 4] has norm 5 and is scaled to norm 1; [0.3, 0.4] (norm 0.5) is left alone.
    const [[a, b]] = steps(
      new SGD({ lr: 1, clipNorm: 1 }),
      [
        [0, 0],
        [0, 0],
      ],
      [
        [
          [3, 4],
          [0.3, 0.4],
        ],
      ],
    );
    expect(a[0]).toBeCloseTo(-0.6, 15);
    expect(a[1]).toBeCloseTo(-0.8, 15);
    expect(b).toEqual([-0.3, -0.4]);
  });

  it('globalClipNorm scales all gradients by one factor when their joint norm is larger', () => {
    // Joint norm of [3, 0] and [0, 4] is 5: both are scaled by 2 / 5.
    const [[a, b]] = steps(
      new SGD({ lr: 1, globalClipNorm: 2 }),
      [
        [0, 0],
        [0, 0],
      ],
      [
        [
          [3, 0],
          [0, 4],
        ],
      ],
    );
    expect(a[0]).toBeCloseTo(-1.2, 15);
    expect(b[1]).toBeCloseTo(-1.6, 15);
  });

  it('clipValue clips each element, on Adam too', () => {
    const [[a]] = steps(new SGD({ lr: 1, clipValue: 1 }), [[0, 0, 0]], [[[-3, 0.5, 2]]]);
    expect(a).toEqual([1, -0.5, -1]);
    // Adam's first step moves each coordinate by about lr whatever the gradient: with clipping the
    // gradients it sees are clipped too, so a clipped and an unclipped run differ from step 2.
    const clipped = steps(new Adam({ lr: 0.1, clipValue: 0.1 }), [[0]], [[[5]], [[-0.05]]]);
    const plain = steps(new Adam({ lr: 0.1 }), [[0]], [[[0.1]], [[-0.05]]]);
    expect(clipped[1][0][0]).toBeCloseTo(plain[1][0][0], 14);
    expect(new AdamW({ clipNorm: 2 }).name).toBe('AdamW');
  });

  it('refuses two kinds at once and limits that are not positive, as Keras does', () => {
    expect(() => new SGD({ clipNorm: 1, clipValue: 0.5 })).toThrow(
      'SGD: set only one of clipNorm, globalClipNorm and clipValue (as Keras), got clipNorm 1, clipValue 0.5',
    );
    expect(() => new Adam({ globalClipNorm: 0 })).toThrow(
      'Adam: globalClipNorm must be a finite number > 0, got 0',
    );
    expect(() => new RMSprop({ clipnorm: 1 } as Loose)).toThrow(/did you mean 'clipNorm'\?/);
  });
});

describe('learning-rate schedules', () => {
  it("ExponentialDecay: initial * rate ^ (step / decaySteps), floored with staircase (Keras's formula)", () => {
    const smooth = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(smooth.at(0)).toBe(0.1);
    expect(smooth.at(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 15);
    expect(smooth.at(20)).toBeCloseTo(0.025, 15);
    const stairs = new ExponentialDecay({
      initialLearningRate: 0.1,
      decaySteps: 10,
      decayRate: 0.5,
      staircase: true,
    });
    expect([stairs.at(9), stairs.at(10), stairs.at(25)]).toEqual([0.1, 0.05, 0.025]);
  });

  it('CosineDecay: half a cosine from the start to alpha times it, then flat; optional linear warmup', () => {
    const c = new CosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
    expect(c.at(0)).toBe(1);
    expect(c.at(50)).toBeCloseTo(0.55, 15);
    expect(c.at(100)).toBeCloseTo(0.1, 15);
    expect(c.at(1000)).toBeCloseTo(0.1, 15);
    const w = new CosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 0.2, warmupSteps: 4 });
    expect([w.at(0), w.at(2), w.at(4)]).toEqual([0, 0.1, 0.2]);
    expect(w.at(9)).toBeCloseTo(0.1, 15);
    expect(w.at(14)).toBeCloseTo(0, 15);
    expect(w.at(99)).toBeCloseTo(0, 15);
  });

  it('PiecewiseConstantDecay: values[0] up to and including boundaries[0], and so on', () => {
    const p = new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1e9].map((s) => p.at(s))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(() => new PiecewiseConstantDecay({ boundaries: [10], values: [1] })).toThrow(
      'PiecewiseConstantDecay: values needs one more entry than boundaries, got 1 values for 1 boundaries',
    );
    expect(() => new PiecewiseConstantDecay({ boundaries: [5, 5], values: [1, 2, 3] })).toThrow(
      'boundaries must increase strictly, got 5 then 5',
    );
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(
      'ExponentialDecay: decaySteps must be a finite number > 0, got 0',
    );
    expect(() => new CosineDecay({ initial_learning_rate: 0.1, decaySteps: 5 } as Loose)).toThrow(
      /unknown option 'initial_learning_rate'.*did you mean 'initialLearningRate'/,
    );
  });

  it("an optimizer asks its schedule for the rate at iterations, before the step (Keras's per-step semantics)", () => {
    // Rate 1 for the first step (step 0 <= boundary 0), 0.5 after.
    const opt = new SGD({ learningRate: new PiecewiseConstantDecay({ boundaries: [0], values: [1, 0.5] }) });
    expect(opt.lr).toBe(1);
    const seen = steps(opt, [[0]], [[[1]], [[1]], [[1]]]);
    expect(seen.map(([[v]]) => v)).toEqual([-1, -1.5, -2]);
    expect(opt.lr).toBe(0.5);
    expect(opt.iterations).toBe(3);
    expect(() => {
      opt.lr = 0.1;
    }).toThrow(
      'SGD: the learning rate follows a PiecewiseConstantDecay schedule and cannot be set; create the optimizer with a number to change it during training',
    );
    // A fixed rate can be set, through either name.
    const fixed = new Adam();
    fixed.learningRate = 0.01;
    expect(fixed.lr).toBe(0.01);
  });

  it('fit with a schedule: the rate after n steps is the schedule at n', () => {
    const schedule = new ExponentialDecay({ initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.5 });
    const model = new Model([new Dense(1, { inputDim: 2 })], { seed: 1 });
    const optimizer = new SGD({ learningRate: schedule });
    model.compile({ optimizer, loss: 'mse' });
    const x = Array.from({ length: 20 }, (_, i) => [i / 20, 1 - i / 20]);
    const y = x.map(([a, b]) => a - b);
    model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(optimizer.iterations).toBe(10);
    expect(optimizer.lr).toBeCloseTo(schedule.at(10), 15);
  });
});

describe('optimizers by name', () => {
  it("compile takes 'adam', 'sgd', 'rmsprop', 'adamw' with Keras's defaults, any case", () => {
    const compiled = (name: string) =>
      new Model([new Dense(1, { inputDim: 2 })]).compile({ optimizer: name as Loose, loss: 'mse' }).optimizer;
    const adam = compiled('adam') as Adam;
    expect([adam.name, adam.lr, adam.epsilon]).toEqual(['Adam', 0.001, 1e-7]);
    expect(compiled('SGD')?.lr).toBe(0.01);
    expect(compiled('RMSprop')?.name).toBe('RMSprop');
    const adamw = compiled('adamw') as AdamW;
    expect([adamw.lr, adamw.weightDecay]).toEqual([0.001, 0.004]);
    expect(() => compiled('adagrad')).toThrow(
      "compile: unknown optimizer 'adagrad'; use 'adam', 'sgd', 'rmsprop', 'adamw' (Keras's defaults) or an Optimizer such as new Adam({ learningRate: 0.01 })",
    );
    expect(() => compiled({ step: () => {} } as Loose)).toThrow(/an object that is not an Optimizer/);
  });
});
