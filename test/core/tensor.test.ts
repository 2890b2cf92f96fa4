import { describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';

describe('tensor creation', () => {
  it('infers the shape of nested arrays and round-trips through toArray', () => {
    const t = tg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tg.tensor(3.5).item()).toBe(3.5);
    expect(tg.tensor([1, 2], { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
  });

  it('takes a typed array plus a shape', () => {
    const t = tg.tensor(new Float64Array([1, 2, 3, 4]), [2, 2]);
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('makes zeros, ones, full and seeded random tensors', () => {
    expect([...tg.zeros([2]).data]).toEqual([0, 0]);
    expect([...tg.ones([2], { dtype: 'float64' }).data]).toEqual([1, 1]);
    expect([...tg.full([3], 7).data]).toEqual([7, 7, 7]);
    tg.manualSeed(5);
    const a = tg.randn([4]);
    tg.manualSeed(5);
    expect([...tg.randn([4]).data]).toEqual([...a.data]);
    const u = tg.uniform([1000], -2, 3, { generator: new tg.Generator(1) });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(3);
  });

  it('rejects a wrong data length, bad dimensions, ragged arrays and mixed dtypes', () => {
    expect(() => tg.tensor([1, 2, 3], [2, 2])).toThrow(/shape \[2,2\] needs 4 values, got 3/);
    expect(() => tg.zeros([2, -1])).toThrow(/dimensions must be non-negative integers, got \[2, -1\]/);
    expect(() => tg.zeros([1.5])).toThrow(/non-negative integers/);
    expect(() => tg.tensor([[1, 2], [3]])).toThrow(
      /ragged nested array: values\[0\] has shape \[2\] but values\[1\] has \[1\]/,
    );
    expect(() => tg.tensor(new Float32Array(2), { dtype: 'float64' })).toThrow(
      /float32 array but dtype 'float64'/,
    );
    expect(() => tg.add(tg.tensor([1]), tg.tensor([1], { dtype: 'float64' }))).toThrow(
      /add: dtypes differ: float32 and float64/,
    );
    expect(() => tg.tensor([1, 2]).item()).toThrow(/has 2 values, not 1/);
  });
});

describe('op forward values and shape errors', () => {
  it('broadcasts like NumPy', () => {
    const a = tg.tensor([[1], [2]]); // [2,1]
    const b = tg.tensor([10, 20, 30]); // [3]
    expect(a.add(b).toArray()).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(tg.sub(1, b).toArray()).toEqual([-9, -19, -29]);
    expect(() => tg.add(tg.zeros([2, 3]), tg.zeros([2]))).toThrow(
      /add: shapes \[2,3\] and \[2\] cannot be broadcast together/,
    );
  });

  it('sums gradients back over broadcast dimensions', () => {
    const b = tg.tensor([1, 2, 3], { requiresGrad: true });
    tg.zeros([4, 3]).add(b).sum().backward();
    expect([...b.grad!.data]).toEqual([4, 4, 4]);
  });

  it('reduces along axes with keepdims', () => {
    const x = tg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.sum().item()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.mean(-1, true).toArray()).toEqual([[2], [5]]);
    expect(() => x.sum(2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
  });

  it('multiplies matrices with transposes and names both shapes on a mismatch', () => {
    const a = tg.tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(a.matmul(a, { transA: true }).toArray()).toEqual([
      [35, 44],
      [44, 56],
    ]);
    expect(a.T.shape).toEqual([2, 3]);
    expect(() => tg.matmul(tg.zeros([32, 10]), tg.zeros([64, 32]))).toThrow(
      'matmul: inner dimensions differ: [32,10] x [64,32]',
    );
  });

  it('reshapes with -1 and rejects impossible shapes', () => {
    expect(tg.zeros([2, 6]).reshape([3, -1]).shape).toEqual([3, 4]);
    expect(() => tg.zeros([2, 6]).reshape([5, -1])).toThrow(
      /cannot reshape \[2,6\] \(12 values\) into \[5,-1\]/,
    );
  });

  it('computes the losses', () => {
    expect(tg.mse(tg.tensor([1, 2]), tg.tensor([0, 0])).item()).toBeCloseTo(2.5);
    const p = tg.tensor([0.9, 0.2]);
    const y = tg.tensor([1, 0]);
    expect(tg.bce(p, y).item()).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 6);
    expect(tg.bceWithLogits(tg.tensor([0]), tg.tensor([1])).item()).toBeCloseTo(Math.log(2), 6);
    expect(tg.softmaxCrossEntropy(tg.tensor([[0, 0, 0]]), [1]).item()).toBeCloseTo(Math.log(3), 6);
    expect(() => tg.mse(tg.zeros([4, 1]), tg.zeros([4]))).toThrow(
      /mse: prediction and target shapes differ: \[4,1\] and \[4\]/,
    );
    expect(() => tg.softmaxCrossEntropy(tg.zeros([2, 3]), [0, 3])).toThrow(
      /class index 3 at row 1 is outside 0..2/,
    );
  });

  it('applies inverted dropout in training and the identity in eval', () => {
    const x = tg.ones([1000]);
    const y = tg.dropout(x, 0.5, { generator: new tg.Generator(3) });
    const kept = [...y.data].filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true);
    expect(kept.length).toBeGreaterThan(430);
    expect(kept.length).toBeLessThan(570);
    expect(tg.dropout(x, 0.5, { training: false })).toBe(x);
    const again = tg.dropout(x, 0.5, { generator: new tg.Generator(3) });
    expect([...again.data]).toEqual([...y.data]);
    expect(() => tg.dropout(x, 1)).toThrow(/rate must be in \[0, 1\), got 1/);
  });

  it('dense equals relu(matmul + bias)', () => {
    const gen = new tg.Generator(11);
    const x = tg.randn([5, 4], { generator: gen });
    const w = tg.randn([4, 3], { generator: gen });
    const b = tg.randn([3], { generator: gen });
    const fused = tg.dense(x, w, b, 'relu');
    const composed = x.matmul(w).add(b).relu();
    for (let i = 0; i < fused.size; i++) expect(fused.data[i]).toBeCloseTo(composed.data[i], 5);
    expect(() => tg.dense(x, w, tg.zeros([4]), 'relu')).toThrow(/bias must have shape \[3\]/);
  });
});
