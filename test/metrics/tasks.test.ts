import { describe, expect, it } from 'vitest';
import { multiclassReport } from '../../src/metrics/multiclass.js';
import { regressionReport } from '../../src/metrics/regression.js';

describe('multiclassReport', () => {
  // 3 classes, 6 rows; predicted = argmax: [0, 1, 1, 2, 2, 0]
  const y = [0, 0, 1, 1, 2, 2];
  const p = [
    [0.8, 0.1, 0.1],
    [0.3, 0.6, 0.1],
    [0.1, 0.7, 0.2],
    [0.2, 0.3, 0.5],
    [0.1, 0.1, 0.8],
    [0.5, 0.2, 0.3],
  ].flat();
  const r = multiclassReport(y, p, ['a', 'b', 'c']);

  it('counts the confusion matrix with actual rows and predicted columns', () => {
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    expect(r.accuracy).toBeCloseTo(3 / 6, 12);
  });

  it('gives per-class precision, recall and F1, and their macro and weighted means (as sklearn)', () => {
    // every class: precision 1/2, recall 1/2, F1 1/2, support 2
    for (const c of r.perClass) expect([c.precision, c.recall, c.f1, c.support]).toEqual([0.5, 0.5, 0.5, 2]);
    expect(r.macroF1).toBeCloseTo(0.5, 12);
    expect(r.weightedF1).toBeCloseTo(0.5, 12);
  });

  it('is the mean cross-entropy of the true class', () => {
    const expected =
      -(Math.log(0.8) + Math.log(0.3) + Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.3)) / 6;
    expect(r.logLoss).toBeCloseTo(expected, 12);
  });

  it('weights F1 by support, and leaves absent classes out of the macro mean', () => {
    const s = multiclassReport([0, 0, 0, 1], [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0], ['a', 'b', 'c']);
    expect(s.perClass[0].f1).toBe(1);
    expect(s.perClass[1].f1).toBe(1);
    expect(s.macroF1).toBe(1);
    expect(s.weightedF1).toBe(1);
  });

  it('refuses a class index out of range and mismatched sizes', () => {
    expect(() => multiclassReport([3], [1, 0, 0], ['a', 'b', 'c'])).toThrow(
      /yTrue\[0\] is 3, expected a class index in \[0, 3\)/,
    );
    expect(() => multiclassReport([0, 1], [1, 0, 0], ['a', 'b', 'c'])).toThrow(
      /2 rows of 3 classes need 6 probabilities, got 3/,
    );
  });
});

describe('regressionReport', () => {
  it('gives RMSE, MAE and R² as sklearn defines them', () => {
    // sklearn.metrics: y_true [3, -0.5, 2, 7], y_pred [2.5, 0.0, 2, 8] -> r2 0.9486, MAE 0.5, MSE 0.375
    const r = regressionReport([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);
    expect(r.r2).toBeCloseTo(0.948608137, 8);
    expect(r.mae).toBeCloseTo(0.5, 12);
    expect(r.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
  });

  it('gives R² 0 for the mean and below 0 for worse', () => {
    expect(regressionReport([1, 2, 3], [2, 2, 2]).r2).toBeCloseTo(0, 12);
    expect(regressionReport([1, 2, 3], [3, 2, 1]).r2).toBeCloseTo(-3, 12);
  });

  it('refuses non-finite values with their row', () => {
    expect(() => regressionReport([1, 2], [1, Number.NaN])).toThrow(/row 1 has a non-finite value/);
  });
});
