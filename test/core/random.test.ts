import { describe, expect, it } from 'vitest';
import { Generator } from '../../src/random.js';

describe('Generator', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new Generator(42);
    const b = new Generator(42);
    const c = new Generator(43);
    const sa = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(sa);
  });

  it('draws uniform values with the right mean and normals with unit variance', () => {
    const g = new Generator(1);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) s += g.random();
    expect(s / n).toBeCloseTo(0.5, 2);
    s = 0;
    for (let i = 0; i < n; i++) {
      const v = g.normal();
      s += v;
      s2 += v * v;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it('permutes 0..n-1 and rejects a bad int range', () => {
    const p = new Generator(9).permutation(10);
    expect([...p].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => new Generator(1).int(0)).toThrow(/positive integer, got 0/);
  });
});

describe('Generator.fillUint32', () => {
  it('continues exactly the stream of nextUint32', () => {
    const a = new Generator(123);
    const b = new Generator(123);
    a.nextUint32();
    b.nextUint32();
    const bulk = a.fillUint32(new Uint32Array(1000));
    const single = Array.from({ length: 1000 }, () => b.nextUint32());
    expect([...bulk]).toEqual(single);
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('getState / setState continue the same stream, and refuse a bad state', () => {
    const a = new Generator(5);
    a.nextUint32();
    const saved = a.getState();
    const next = [a.nextUint32(), a.nextUint32()];
    const b = new Generator(99).setState(saved);
    expect([b.nextUint32(), b.nextUint32()]).toEqual(next);
    expect(() => b.setState([1, 2, 3])).toThrow(/4 words, got 3/);
    expect(() => b.setState([0, 0, 0, 0])).toThrow(/all-zero/);
  });
});
