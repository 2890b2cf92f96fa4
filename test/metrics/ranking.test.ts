import { describe, expect, it } from 'vitest';
import { averagePrecision, logLoss, prAuc, rocAuc } from '../../src/metrics/index.js';
import { expectError, pairwiseAuc, randomScores } from './helpers.js';

describe('rocAuc', () => {
  it('matches sklearn on its documented example', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('counts ties as one half', () => {
    // pairs (pos vs neg): 0.6>0.2, 0.6=0.6, 0.9>both, 0.4>0.2, 0.4<0.6 -> 4.5 of 6
    expect(rocAuc([0, 0, 1, 1, 1], [0.2, 0.6, 0.6, 0.9, 0.4])).toBe(0.75);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([0, 0, 1], [0.1, 0.2, 0.3])).toBe(1);
    expect(rocAuc([1, 1, 0], [0.1, 0.2, 0.3])).toBe(0);
  });

  it.each([1, 2, 3])('equals the pairwise definition on tied random scores (seed %i)', (seed) => {
    const { y, p } = randomScores(200, seed);
    expect(rocAuc(y, p)).toBeCloseTo(pairwiseAuc(y, p), 12);
  });

  it('needs both classes', () => {
    expectError(() => rocAuc([1, 1], [0.2, 0.3]), 'needs both classes, got 2 positives and 0 negatives');
  });
});

describe('averagePrecision (PR-AUC)', () => {
  it('matches sklearn on its documented example', () => {
    // 0.8: recall +1/2 at precision 1; 0.4: no positive; 0.35: recall +1/2 at precision 2/3
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12);
  });

  it('treats tied scores as one threshold', () => {
    // 0.9: +1/3 at P 1; 0.6 (pos+neg): +1/3 at P 2/3; 0.4: +1/3 at P 3/4 -> 29/36
    expect(prAuc([0, 0, 1, 1, 1], [0.2, 0.6, 0.6, 0.9, 0.4])).toBeCloseTo(29 / 36, 12);
  });

  it('is 1 for a perfect ranking', () => {
    expect(averagePrecision([0, 1, 1], [0.1, 0.8, 0.9])).toBe(1);
  });

  it('needs a positive', () => {
    expectError(() => averagePrecision([0, 0], [0.2, 0.3]), 'needs both classes');
  });
});

describe('logLoss', () => {
  it('is the mean binary cross-entropy', () => {
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
  });

  it('clamps certain wrong answers to a finite cost', () => {
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(-Math.log(1e-7), 6);
    expect(logLoss([1], [1])).toBeCloseTo(-Math.log(1 - 1e-7), 12);
  });

  it('rejects a length mismatch', () => {
    expectError(() => logLoss([1], [0.1, 0.2]), 'logLoss', 'yTrue has 1 values but yProb has 2');
  });
});
