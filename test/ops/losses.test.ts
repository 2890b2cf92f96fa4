import { describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';

const param = (values: tg.NestedArray, dtype: tg.Dtype = 'float64') =>
  tg.tensor(values, { requiresGrad: true, dtype });

/** Reference -log softmax(z)[k] in float64, for rows without infinities among the kept classes. */
function crossEntropy(z: number[], k: number): number {
  const finite = z.filter((v) => v !== Number.NEGATIVE_INFINITY);
  const max = Math.max(...finite);
  const lse = max + Math.log(finite.reduce((s, v) => s + Math.exp(v - max), 0));
  return lse - z[k];
}

describe('softmaxCrossEntropy with -Infinity logits', () => {
  it.each(['float32', 'float64'] as const)(
    'a -Infinity logit on a non-target class gives a finite loss and gradient (%s), as PyTorch does',
    (dtype) => {
      const rows = [
        [2, Number.NEGATIVE_INFINITY, 0.5],
        [Number.NEGATIVE_INFINITY, -1, 3],
      ];
      const z = param(rows, dtype);
      const loss = tg.softmaxCrossEntropy(z, [0, 2]);
      const expected = (crossEntropy(rows[0], 0) + crossEntropy(rows[1], 2)) / 2;
      expect(Number.isFinite(loss.item())).toBe(true);
      expect(loss.item()).toBeCloseTo(expected, 6);
      loss.backward();
      const g = [...z.grad!.data];
      expect(g.every(Number.isFinite)).toBe(true);
      // The masked classes get exactly zero gradient; each row's gradient sums to zero.
      expect([g[1], g[3]]).toEqual([0, 0]);
      expect(g[0] + g[1] + g[2]).toBeCloseTo(0, 6);
      expect(g[3] + g[4] + g[5]).toBeCloseTo(0, 6);
    },
  );

  it('soft targets with zero weight on a -Infinity class stay finite too', () => {
    const z = param([[1, Number.NEGATIVE_INFINITY, 0]]);
    const y = tg.tensor([[0.25, 0, 0.75]], { dtype: 'float64' });
    const loss = tg.softmaxCrossEntropy(z, y);
    const lse = Math.log(Math.exp(1) + Math.exp(0));
    expect(loss.item()).toBeCloseTo(-(0.25 * (1 - lse) + 0.75 * (0 - lse)), 12);
    loss.backward();
    expect([...z.grad!.data].every(Number.isFinite)).toBe(true);
  });

  it('a -Infinity logit on the target class is an infinite loss, not NaN', () => {
    expect(tg.softmaxCrossEntropy(tg.tensor([[Number.NEGATIVE_INFINITY, 0]]), [0]).item()).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('loss weights', () => {
  it.each([
    ['mse', tg.mse],
    ['bce', tg.bce],
    ['bceWithLogits', tg.bceWithLogits],
  ] as const)('%s refuses a weight of the right size but the wrong shape, naming both shapes', (name, fn) => {
    const p = tg.full([4, 1], 0.5);
    const y = tg.full([4, 1], 1);
    expect(() => fn(p, y, { weight: tg.ones([1, 4]) })).toThrow(
      `${name}: weight has shape [1,4] but target has [4,1]; they must be equal`,
    );
    expect(() => fn(p, y, { weight: tg.ones([4]) })).toThrow(/weight has shape \[4\] but target has \[4,1\]/);
    expect(() => fn(p, y, { weight: tg.ones([3, 1]) })).toThrow(/weight has shape \[3,1\]/);
    // The right shape is used: weights 0 and 2 on two equal terms average to the unweighted loss.
    const w = tg.tensor([[0], [2], [0], [2]]);
    expect(fn(p, y, { weight: w }).item()).toBeCloseTo(fn(p, y).item(), 6);
  });
});
