import { describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';

const param = (values: tg.NestedArray) => tg.tensor(values, { requiresGrad: true });

describe('backward', () => {
  it('computes d/dx of a small expression (y = sum(x*x + 3x) => 2x + 3)', () => {
    const x = param([1, -2, 0.5]);
    x.mul(x).add(x.mul(3)).sum().backward();
    expect([...x.grad!.data]).toEqual([5, -1, 4]);
  });

  it('sums the gradients of a tensor used twice', () => {
    const x = param([2]);
    const y = x.mul(x).add(x); // 2x + 1
    y.sum().backward();
    expect(x.grad!.item()).toBe(5);
  });

  it('accumulates into .grad across calls until zeroGrad', () => {
    const x = param([1, 2]);
    x.sum().backward();
    x.mul(2).sum().backward();
    expect([...x.grad!.data]).toEqual([3, 3]);
    tg.zeroGrad([x]);
    expect(x.grad).toBeNull();
  });

  it('backpropagates through a chain of 10,000 ops without overflowing the stack', () => {
    const x = param([1]);
    let y: tg.Tensor = x;
    for (let i = 0; i < 10_000; i++) y = y.mul(1.0001);
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(1.0001 ** 10_000, 1);
  });

  it('takes an explicit upstream gradient for a non-scalar output', () => {
    const x = param([1, 2, 3]);
    x.mul(2).backward(tg.tensor([1, 0, -1]));
    expect([...x.grad!.data]).toEqual([2, 0, -2]);
    expect(() => param([1, 2]).mul(2).backward()).toThrow(/shape \[2\] is not a scalar/);
    expect(() =>
      param([1, 2])
        .mul(2)
        .backward(tg.tensor([1, 2, 3])),
    ).toThrow(/gradient has 3 values/);
  });

  it('releases the graph after backward unless asked to retain it', () => {
    const x = param([3]);
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/already released; pass \{ retainGraph: true \}/);
    const z = x.mul(x).sum();
    tg.zeroGrad([x]);
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(x.grad!.item()).toBe(12);
  });

  it('records nothing inside noGrad, and detach cuts the graph', () => {
    const x = param([1, 2]);
    const y = tg.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(tg.isGradEnabled()).toBe(true);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(() => d.sum().backward()).toThrow(/does not require gradients/);
  });

  it('does not differentiate constants', () => {
    const x = param([1, 2]);
    const c = tg.tensor([5, 7]);
    x.mul(c).sum().backward();
    expect(c.grad).toBeNull();
    expect([...x.grad!.data]).toEqual([5, 7]);
  });

  it('visits inputs before the tensors made from them', () => {
    const a = param([1]);
    const b = a.mul(2);
    const c = b.add(a);
    const order = tg.topologicalOrder(c);
    expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    expect(order[order.length - 1]).toBe(c);
  });
});

describe('kinks', () => {
  it("ReLU'(0) is exactly 0, for relu and for the fused dense layer", () => {
    const x = param([-1, 0, 2]);
    x.relu().sum().backward();
    expect([...x.grad!.data]).toEqual([0, 0, 1]);
    const inp = param([[1, 1]]);
    const w = param([[1], [-1]]); // pre-activation exactly 0
    const b = param([0]);
    tg.dense(inp, w, b, 'relu').sum().backward();
    expect([...w.grad!.data]).toEqual([0, 0]);
    expect(b.grad!.item()).toBe(0);
  });

  it('bce clips probabilities to [1e-7, 1 - 1e-7] and is flat outside', () => {
    const p = param([0, 1]);
    const y = tg.tensor([1, 0]);
    const loss = tg.bce(p, y);
    expect(loss.item()).toBeCloseTo(-Math.log(1e-7), 3);
    loss.backward();
    expect([...p.grad!.data]).toEqual([0, 0]);
  });

  it('bceWithLogits stays finite for |logit| = 1000', () => {
    const z = param([1000, -1000]);
    const loss = tg.bceWithLogits(z, tg.tensor([0, 1]));
    expect(loss.item()).toBeCloseTo(1000, 3);
    loss.backward();
    expect([...z.grad!.data]).toEqual([0.5, -0.5]);
  });
});
