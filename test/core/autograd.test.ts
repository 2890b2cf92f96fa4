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

  it("adopts a dense layer's fresh gradient arrays as .grad, and still accumulates with +=", () => {
    const x = tg.tensor([[1, 2]]);
    const w = param([[0.5], [-1]]);
    const b = param([0.25]);
    const seen: tg.FloatArray[] = [];
    const run = () => {
      const y = tg.dense(x, w, b, 'linear');
      y.sum().backward();
      seen.push(w.grad!.data);
    };
    run();
    expect([...w.grad!.data]).toEqual([1, 2]);
    expect([...b.grad!.data]).toEqual([1]);
    run(); // accumulates into the adopted array, which nothing else holds
    expect([...w.grad!.data]).toEqual([2, 4]);
    expect(seen[1]).toBe(seen[0]);
    // A gradient reaching two leaves through a shared array is copied, not aliased.
    const p = param([1, 2]);
    const q = param([3, 4]);
    p.add(q).sum().backward();
    expect(p.grad!.data).not.toBe(q.grad!.data);
    p.grad!.data[0] = 100;
    expect([...q.grad!.data]).toEqual([1, 1]);
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
    ).toThrow(/gradient has shape \[3\] but the tensor has shape \[2\]/);
    expect(() => param([1, 2]).mul(2).backward(new Float32Array(3))).toThrow(
      /gradient has 3 values but the tensor has shape \[2\]/,
    );
  });

  it('converts a float64 upstream gradient on a float32 graph: every .grad stays float32', () => {
    // Through an op, and straight into a leaf (reshape passes the gradient through unchanged).
    const x = param([1, 2, 3]);
    const w = param([[0.5], [0.25], [2]]);
    x.reshape([1, 3])
      .matmul(w)
      .backward(new Float64Array([2]));
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.data).toBeInstanceOf(Float32Array);
    expect([...x.grad!.data]).toEqual([1, 0.5, 4]);
    expect(w.grad!.data).toBeInstanceOf(Float32Array);
    const leaf = param([1, 2]);
    leaf.backward(tg.tensor([0.1, 0.2], { dtype: 'float64' }));
    expect(leaf.grad!.data).toBeInstanceOf(Float32Array);
    leaf.reshape([2, 1]).backward(new Float64Array([1, 1]));
    expect(leaf.grad!.data).toBeInstanceOf(Float32Array);
    expect([...leaf.grad!.data]).toEqual([Math.fround(1.1), Math.fround(1.2)]);
    // And the other way: a float32 gradient on a float64 graph gives float64 gradients.
    const d = tg.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    d.mul(3).backward(new Float32Array([1, 1]));
    expect(d.grad!.data).toBeInstanceOf(Float64Array);
  });

  it('refuses an upstream gradient of the right size but the wrong shape, naming both', () => {
    const y = param([
      [1, 2, 3],
      [4, 5, 6],
    ]).mul(2);
    expect(() => y.backward(tg.zeros([3, 2]))).toThrow(
      'backward: gradient has shape [3,2] but the tensor has shape [2,3]',
    );
    expect(() => y.backward(tg.zeros([6]))).toThrow(
      /gradient has shape \[6\] but the tensor has shape \[2,3\]/,
    );
    expect(() => y.backward('1' as unknown as Float32Array)).toThrow(/must be a Tensor.*got string/);
    // A flat array has no shape: its size is what counts.
    y.backward(new Float32Array(6).fill(1), { retainGraph: true });
    y.backward([1, 1, 1, 1, 1, 1] as unknown as Float32Array);
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

  it("ReLU'(0) is exactly 0 when the layer takes its gradient in place (lent by a later dense layer)", () => {
    for (const fused of [false, true]) {
      const inp = param([[1, 1]]);
      const w = param([
        [1, 2],
        [-1, 2],
      ]); // first unit's pre-activation exactly 0, second 4
      const b = param([0, 0]);
      const h = fused
        ? tg.denseDropout(inp, w, b, 'relu', 0.5, { generator: new tg.Generator(1) })
        : tg.dense(inp, w, b, 'relu');
      // The second dense layer's input gradient is its own new array: the tape lends it to h's op.
      tg.dense(h, param([[3], [5]]), null, 'linear')
        .sum()
        .backward();
      expect(w.grad!.data[0]).toBe(0);
      expect(w.grad!.data[2]).toBe(0);
      expect(b.grad!.data[0]).toBe(0);
      // The second unit passes its gradient (times 2 where dropout kept it, 0 where it dropped it).
      const kept = h.data[1] !== 0;
      expect(b.grad!.data[1]).toBe(fused ? (kept ? 10 : 0) : 5);
    }
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
