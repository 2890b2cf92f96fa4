import { describe, expect, it } from 'vitest';
import { accuracy, bestThreshold, classificationReport, f1 } from '../../src/metrics/index.js';
import { expectError, randomScores } from './helpers.js';

describe('bestThreshold', () => {
  const yTrue = [0, 0, 1, 1, 0, 1];
  const yProb = [0.1, 0.3, 0.35, 0.6, 0.7, 0.8];

  it('picks the F1-maximizing probability (hand-computed sweep)', () => {
    // F1 at 0.8, 0.7, 0.6, 0.35, 0.3, 0.1: 1/2, 2/5, 2/3, 6/7, 3/4, 2/3
    const best = bestThreshold(yTrue, yProb);
    expect(best.threshold).toBe(0.35);
    expect(best.value).toBeCloseTo(6 / 7, 12);
    expect(f1(yTrue, yProb, best.threshold)).toBeCloseTo(best.value, 12);
  });

  it('can maximize accuracy', () => {
    const best = bestThreshold([0, 0, 0, 1, 0], [0.1, 0.2, 0.3, 0.9, 0.95], 'accuracy');
    // 0.95 -> 3/5, 0.9 -> 4/5, lower -> worse
    expect(best).toEqual({ threshold: 0.9, value: 0.8 });
  });

  it.each([4, 5])('beats or equals every candidate on random tied scores (seed %i)', (seed) => {
    const { y, p } = randomScores(300, seed);
    const best = bestThreshold(y, p);
    for (const t of new Set(p)) expect(best.value).toBeGreaterThanOrEqual(f1(y, p, t) - 1e-12);
    expect(f1(y, p, best.threshold)).toBeCloseTo(best.value, 12);
  });

  it('rejects bad input and unknown metrics', () => {
    expectError(() => bestThreshold([], []), 'empty input');
    expectError(() => bestThreshold([1], [0.5], 'auc' as 'f1'), "unknown metric 'auc'");
  });
});

describe('classificationReport', () => {
  it('gathers every metric at a threshold', () => {
    const r = classificationReport([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.3);
    expect(r.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
    expect(r.accuracy).toBe(accuracy([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.3));
    expect(r.rocAuc).toBe(0.75);
    expect(r.prAuc).toBeCloseTo(5 / 6, 12);
  });

  it('reports null ranking metrics for a single class', () => {
    const r = classificationReport([0, 0], [0.1, 0.4]);
    expect(r.rocAuc).toBeNull();
    expect(r.accuracy).toBe(1);
  });
});
