import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../../src/data/split.js';
import { Generator } from '../../src/random.js';
import { expectDataError } from './helpers.js';

/** 1000 rows, 150 positives spread through the file. */
const y = Float32Array.from({ length: 1000 }, (_, i) => (i % 20 < 3 ? 1 : 0));
const positives = (idx: Int32Array) => Array.from(idx).filter((i) => y[i] === 1).length;

describe('stratifiedSplit', () => {
  const s = stratifiedSplit(y, { test: 0.2, validation: 0.1, seed: 7 });

  it('cuts the given fractions per class', () => {
    expect(s.test.length).toBe(200);
    expect(positives(s.test)).toBe(30);
    // validation is 0.1 of the remaining 800: 68 of 680 negatives + 12 of 120 positives
    expect(s.validation.length).toBe(80);
    expect(positives(s.validation)).toBe(12);
    expect(s.train.length).toBe(720);
    expect(positives(s.train)).toBe(108);
  });

  it('is a partition of the rows, each part sorted', () => {
    const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (const part of [s.train, s.validation, s.test]) {
      expect(Array.from(part)).toEqual(Array.from(part).sort((a, b) => a - b));
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = stratifiedSplit(y, { test: 0.2, validation: 0.1, rng: new Generator(7) });
    expect(Array.from(again.test)).toEqual(Array.from(s.test));
    expect(Array.from(again.validation)).toEqual(Array.from(s.validation));
    const other = stratifiedSplit(y, { test: 0.2, validation: 0.1, seed: 8 });
    expect(Array.from(other.test)).not.toEqual(Array.from(s.test));
  });

  it('without stratification still partitions, with seed-dependent class shares', () => {
    const u = stratifiedSplit(y, { test: 0.5, validation: 0, stratify: false, seed: 1 });
    expect(u.test.length).toBe(500);
    expect(u.validation.length).toBe(0);
  });

  it('rejects bad fractions and empty input', () => {
    expectDataError(() => stratifiedSplit(y, { test: 1 }), ['test fraction must be in [0, 1), got 1']);
    expectDataError(() => stratifiedSplit(y, { validation: -0.1 }), ['validation fraction']);
    expectDataError(() => stratifiedSplit([], {}), ['no rows']);
  });
});
