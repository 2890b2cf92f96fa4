import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, f1, precision, recall } from '../../src/metrics/index.js';
import { expectError } from './helpers.js';

// At 0.5 the predictions are [1, 0, 1, 0, 1, 1]: tp 2, fn 1, fp 2, tn 1.
const yTrue = [1, 1, 0, 0, 1, 0];
const yProb = Float32Array.from([0.9, 0.4, 0.6, 0.1, 0.5, 0.5]);

describe('threshold metrics', () => {
  it('counts the confusion matrix with yProb >= threshold as positive', () => {
    expect(confusionMatrix(yTrue, yProb)).toEqual({ tp: 2, fp: 2, tn: 1, fn: 1 });
    expect(confusionMatrix(yTrue, yProb, 0.55)).toEqual({ tp: 1, fp: 1, tn: 2, fn: 2 });
  });

  it('computes accuracy, precision, recall, F1 by hand', () => {
    expect(accuracy(yTrue, yProb)).toBe(0.5);
    expect(precision(yTrue, yProb)).toBe(0.5);
    expect(recall(yTrue, yProb)).toBeCloseTo(2 / 3, 12);
    expect(f1(yTrue, yProb)).toBeCloseTo(4 / 7, 12);
  });

  it('takes hard 0/1 predictions too', () => {
    expect(accuracy([1, 0, 1], [1, 0, 0])).toBeCloseTo(2 / 3, 12);
  });

  it('defines 0/0 as 0 for precision, recall and F1', () => {
    expect(precision([1, 0], [0.1, 0.2])).toBe(0);
    expect(recall([0, 0], [0.9, 0.2])).toBe(0);
    expect(f1([0, 0], [0.1, 0.2])).toBe(0);
  });

  it('rejects mismatched, empty and invalid input', () => {
    expectError(() => accuracy([1, 0], [0.5]), 'yTrue has 2 values but yProb has 1');
    expectError(() => f1([], []), 'empty input');
    expectError(() => precision([1, 2], [0.5, 0.5]), 'yTrue[1] is 2, expected 0 or 1');
    expectError(() => recall([1, 0], [0.5, Number.NaN]), 'yProb[1] is NaN');
    expectError(() => confusionMatrix([1], [0.5], Number.NaN), 'threshold must be a finite number');
  });
});
