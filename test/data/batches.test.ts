import { describe, expect, it } from 'vitest';
import { batchIndices, gatherRows, numBatches } from '../../src/data/batches.js';
import { expectDataError } from './helpers.js';

describe('batchIndices', () => {
  it('covers every row once per pass, last batch smaller', () => {
    const batches = [...batchIndices(10, 4, { seed: 1 })];
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(numBatches(10, 4)).toBe(3);
  });

  it('keeps order without shuffle and can drop the last batch', () => {
    const batches = [...batchIndices([5, 6, 7, 8, 9], 2, { shuffle: false, dropLast: true })];
    expect(batches.map((b) => Array.from(b))).toEqual([
      [5, 6],
      [7, 8],
    ]);
    expect(numBatches(5, 2, true)).toBe(2);
  });

  it('shuffles deterministically for a seed', () => {
    const order = (seed: number) => [...batchIndices(50, 50, { seed })][0];
    expect(Array.from(order(2))).toEqual(Array.from(order(2)));
    expect(Array.from(order(2))).not.toEqual(Array.from(order(3)));
    expect(Array.from(order(2))).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a bad batch size', () => {
    expectDataError(() => [...batchIndices(10, 0)], ['batch size must be a positive integer, got 0']);
  });
});

describe('gatherRows', () => {
  it('copies rows of a row-major matrix', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(gatherRows(x, 2, [2, 0]))).toEqual([5, 6, 1, 2]);
    expectDataError(() => gatherRows(x, 4, [0]), ['not a multiple of 4']);
    expectDataError(() => gatherRows(x, 2, [3]), ['row 3 out of range for 3 rows']);
  });
});
