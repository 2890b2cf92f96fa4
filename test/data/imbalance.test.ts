import { describe, expect, it } from 'vitest';
import { classWeights, randomOversample, sampleWeights } from '../../src/data/imbalance.js';
import { expectDataError } from './helpers.js';

describe('classWeights', () => {
  it('is n / (2 * count) for two classes, as sklearn balanced', () => {
    // 8 negatives, 2 positives: 10/16 and 10/4
    const y = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    expect(classWeights(y)).toEqual({ 0: 0.625, 1: 2.5 });
    expect(Array.from(sampleWeights(y, classWeights(y)).subarray(7))).toEqual([0.625, 2.5, 2.5]);
  });

  it('errors on empty labels and unknown classes', () => {
    expectDataError(() => classWeights([]), ['no labels']);
    expectDataError(() => sampleWeights([0, 2], { 0: 1, 1: 2 }), ['no weight for class 2 (row 1)']);
  });
});

describe('randomOversample', () => {
  const y = [0, 1, 0, 0, 0, 1, 0, 0];

  it('draws minority rows until the classes are equal, keeping the originals first', () => {
    const idx = randomOversample(y, undefined, { seed: 3 });
    expect(idx.length).toBe(12);
    expect(Array.from(idx.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of idx.subarray(8)) expect(y[r]).toBe(1);
    expect(Array.from(idx).filter((r) => y[r] === 1).length).toBe(6);
  });

  it('uses only the given (training) rows', () => {
    const idx = randomOversample(y, [0, 2, 5], { seed: 3 });
    expect(Array.from(idx)).toEqual([0, 2, 5, 5]);
  });

  it('is deterministic for a seed', () => {
    const big = Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const a = randomOversample(big, undefined, { seed: 5 });
    expect(Array.from(randomOversample(big, undefined, { seed: 5 }))).toEqual(Array.from(a));
    expect(Array.from(randomOversample(big, undefined, { seed: 6 }))).not.toEqual(Array.from(a));
  });

  it('errors on no rows', () => {
    expectDataError(() => randomOversample(y, []), ['no rows']);
  });
});
