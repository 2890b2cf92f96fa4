import { describe, expect, it } from 'vitest';
import { Dense } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import { Adam } from '../../src/optim/adam.js';
import { Tensor } from '../../src/tensor.js';
import { Model } from '../../src/training/model.js';
import {
  kernelSparsity,
  MagnitudePruning,
  magnitudeMasks,
  polynomialSparsity,
  prunableLayers,
  pruneByMagnitude,
} from '../../src/training/pruning.js';
import { nonlinearProblem } from './helpers.js';

const list = (m: Float32Array) => Array.from(m);

describe('magnitudeMasks', () => {
  // Layer a holds small weights, layer b large ones: a global cut takes more from a.
  const a = [0.1, -0.5, 0.05, 2];
  const b = [-1, 0.3, 3, -0.2, 4, 0.6];

  it('global: the smallest magnitudes over all layers, exactly round(s * n) of them', () => {
    // Ten weights at 0.5: the five smallest are 0.05, 0.1, -0.2, 0.3, -0.5.
    const [ma, mb] = magnitudeMasks([a, b], 0.5, 'global');
    expect(list(ma)).toEqual([0, 0, 0, 1]);
    expect(list(mb)).toEqual([1, 0, 1, 0, 1, 1]);
  });

  it('per layer: the same share cut in each layer on its own', () => {
    // a: round(0.5 * 4) = 2 of 4 (0.05, 0.1); b: 3 of 6 (-0.2, 0.3, 0.6).
    const [ma, mb] = magnitudeMasks([a, b], 0.5, 'perLayer');
    expect(list(ma)).toEqual([0, 1, 0, 1]);
    expect(list(mb)).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it('breaks ties by position and prunes nothing at sparsity 0', () => {
    expect(list(magnitudeMasks([[1, -1, 1, -1]], 0.5)[0])).toEqual([0, 0, 1, 1]);
    expect(list(magnitudeMasks([a, b], 0)[0])).toEqual([1, 1, 1, 1]);
  });

  it('refuses a sparsity outside [0, 1) and an unknown scope', () => {
    expect(() => magnitudeMasks([a], 1)).toThrow(/sparsity must be in \[0, 1\), got 1/);
    expect(() => magnitudeMasks([a], -0.1)).toThrow(/got -0.1/);
    expect(() => magnitudeMasks([a], 0.5, 'rows' as never)).toThrow(/scope must be one of global, perLayer/);
  });
});

describe('polynomialSparsity (the cubic schedule)', () => {
  const o = { target: 0.8, beginStep: 100, endStep: 1100 };

  it('rises from the initial sparsity to the target as 1 - (1 - t)^3', () => {
    expect(polynomialSparsity(0, o)).toBe(0);
    expect(polynomialSparsity(100, o)).toBe(0);
    // Halfway: 0.8 (1 - 0.5^3) = 0.7.
    expect(polynomialSparsity(600, o)).toBeCloseTo(0.7, 12);
    expect(polynomialSparsity(350, o)).toBeCloseTo(0.8 * (1 - 0.75 ** 3), 12);
    expect(polynomialSparsity(1100, o)).toBe(0.8);
    expect(polynomialSparsity(5000, o)).toBe(0.8);
  });

  it('starts from a given initial sparsity and takes other powers', () => {
    expect(polynomialSparsity(600, { ...o, initial: 0.4 })).toBeCloseTo(0.8 - 0.4 * 0.125, 12);
    expect(polynomialSparsity(600, { ...o, power: 1 })).toBeCloseTo(0.4, 12);
  });
});

function smallModel(seed: number): Model {
  const model = new Model(
    [new Dense(16, { activation: 'relu' }), new Dropout(0.1), new Dense(1, { activation: 'sigmoid' })],
    {
      seed,
    },
  );
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
  return model;
}

describe('pruning a model', () => {
  const { x, y } = nonlinearProblem(512, 3);
  const data = { data: x, shape: [512, 10] };

  it('pruneByMagnitude reaches the target sparsity exactly, globally and per layer', () => {
    const model = smallModel(1).build(10);
    pruneByMagnitude(model, 0.75, 'global');
    // 10 x 16 + 16 x 1 = 176 weights; round(0.75 * 176) = 132 zeros.
    expect(kernelSparsity(model).total.zeros).toBe(132);
    const perLayer = smallModel(2).build(10);
    pruneByMagnitude(perLayer, 0.75, 'perLayer');
    expect(kernelSparsity(perLayer).layers.map((l) => l.zeros)).toEqual([120, 12]);
  });

  it('keeps pruned weights at exactly zero through fit with Adam, after every step', () => {
    const model = smallModel(4).build(10);
    const masks = pruneByMagnitude(model, 0.6, 'global');
    const kernels = prunableLayers(model).map((l) => l.kernel);
    const before = kernels.map((k) => Float32Array.from(k.data));
    let checked = 0;
    const watch = {
      onBatchEnd: () => {
        kernels.forEach((k, i) => {
          for (let j = 0; j < k.size; j++) if (masks[i][j] === 0) expect(k.data[j]).toBe(0);
        });
        checked++;
      },
    };
    model.fit(data, y, { epochs: 3, batchSize: 32, verbose: 0, seed: 1, callbacks: [watch] });
    expect(checked).toBe(48);
    // The kept weights did train.
    expect(kernels[0].data.some((v, j) => masks[0][j] === 1 && v !== before[0][j])).toBe(true);
    expect(kernelSparsity(model).total.sparsity).toBeCloseTo(Math.round(0.6 * 176) / 176, 12);
  });

  it('an optimizer mask stops Adam from regrowing a weight its moments would move', () => {
    const p = new Tensor(Float32Array.from([1, 2, 3]), [3], true);
    const adam = new Adam({ learningRate: 0.1 });
    adam.setParameters([p]);
    p.grad = new Tensor(Float32Array.from([1, 1, 1]), [3]);
    adam.step(); // moments of every entry are now non-zero
    p.data[1] = 0;
    adam.setMask(p, [1, 0, 1]);
    for (let s = 0; s < 5; s++) {
      p.grad.data.fill(1);
      adam.step();
      expect(p.data[1]).toBe(0);
    }
    expect(p.data[0]).toBeLessThan(1);
    expect(() => adam.setMask(p, [1, 0])).toThrow(/a mask of 2 entries for a parameter of 3/);
  });

  it('MagnitudePruning follows the schedule during fit and ends exactly at the target', () => {
    const model = smallModel(5).build(10);
    const seen: number[] = [];
    const pruning = new MagnitudePruning({ sparsity: 0.8, endStep: 40, frequency: 10 });
    const watch = { onBatchEnd: () => seen.push(kernelSparsity(model).total.sparsity) };
    // 16 steps an epoch, 4 epochs: 64 steps; masks at steps 10, 20, 30, 40.
    model.fit(data, y, { epochs: 4, batchSize: 32, verbose: 0, seed: 2, callbacks: [pruning, watch] });
    const at = (s: number) => Math.round(pruning.at(s) * 176) / 176;
    expect(seen[0]).toBe(0);
    expect(seen[9]).toBeCloseTo(at(10), 12);
    expect(seen[19]).toBeCloseTo(at(20), 12);
    expect(seen[39]).toBeCloseTo(0.8, 2);
    expect(seen[63]).toBe(seen[39]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(kernelSparsity(model).total.zeros).toBe(Math.round(0.8 * 176));
    pruning.release();
    expect(model.optimizer!.maskOf(prunableLayers(model)[0].kernel)).toBeNull();
  });

  it('a fit shorter than the schedule still ends at the target, per layer', () => {
    const model = smallModel(6).build(10);
    const pruning = new MagnitudePruning({ sparsity: 0.5, scope: 'perLayer', endStep: 1000 });
    model.fit(data, y, { epochs: 1, batchSize: 64, verbose: 0, seed: 3, callbacks: [pruning] });
    expect(kernelSparsity(model).layers.map((l) => l.sparsity)).toEqual([0.5, 0.5]);
  });

  it('keeps weights that were zero at the start (an ensemble’s block structure)', () => {
    const model = smallModel(7).build(10);
    const k = prunableLayers(model)[0].kernel.data;
    for (let j = 0; j < 40; j++) k[j] = 0;
    const pruning = new MagnitudePruning({ sparsity: 0.5, endStep: 30, frequency: 10 });
    const watch = {
      onBatchEnd: () => {
        for (let j = 0; j < 40; j++) expect(k[j]).toBe(0);
      },
    };
    model.fit(data, y, { epochs: 1, batchSize: 32, verbose: 0, seed: 4, callbacks: [pruning, watch] });
    expect(kernelSparsity(model).total.zeros).toBe(88);
  });

  it('refuses bad options', () => {
    expect(() => new MagnitudePruning({ sparsity: 1, endStep: 10 })).toThrow(/sparsity must be in \[0, 1\)/);
    expect(() => new MagnitudePruning({ sparsity: 0.5, beginStep: 20, endStep: 10 })).toThrow(
      /0 <= beginStep <= endStep, got 20 and 10/,
    );
    expect(() => new MagnitudePruning({ sparsity: 0.5, endStep: 10, frequency: 0 })).toThrow(/frequency/);
  });
});
