import { describe, expect, it } from 'vitest';
import { type BinaryLabel, encodeLabels, fitLabel } from '../../src/data/label.js';
import { expectDataError, table } from './helpers.js';

describe('fitLabel / encodeLabels', () => {
  it('takes the true side of a boolean pair as positive', () => {
    const t = table(['x,y', '1,FALSE', '2,TRUE', '3,FALSE']);
    const spec = fitLabel(t, 'y');
    expect(spec).toMatchObject({ mode: 'boolean', positive: 'TRUE', negatives: ['FALSE'] });
    expect(Array.from(encodeLabels(t, spec))).toEqual([0, 1, 0]);
  });

  it.each([
    [['yes', 'no'], 'yes'],
    [['1', '0'], '1'],
    [['n', 'y'], 'y'],
  ])('values %j give positive %s', (values, positive) => {
    const t = table(['y', ...values]);
    expect((fitLabel(t, 'y') as BinaryLabel).positive).toBe(positive);
  });

  it('accepts the same boolean pair in another case at encode time only', () => {
    const spec = fitLabel(table(['y', 'TRUE', 'FALSE']), 'y');
    expect(Array.from(encodeLabels(table(['y', 'true', 'False']), spec))).toEqual([1, 0]);
    expectDataError(() => encodeLabels(table(['y', 'TRUE', 'yes']), spec), ["has value 'yes'"], { row: 3 });
  });

  it('takes the rarer of two values as positive unless told, and asks when a binary task has more', () => {
    expect((fitLabel(table(['y', 'leave', 'buy', 'leave']), 'y') as BinaryLabel).positive).toBe('buy');
    expectDataError(
      () => fitLabel(table(['y', 'buy', 'leave', 'wait']), 'y', { task: 'binary' }),
      ["'buy', 'leave', 'wait'", 'positive: VALUE'],
    );
  });

  it('infers multi-class for a few classes and regression for many numbers', () => {
    expect(fitLabel(table(['y', 'setosa', 'versicolor', 'virginica', 'setosa']), 'y')).toEqual({
      column: 'y',
      task: 'multiclass',
      classes: ['setosa', 'versicolor', 'virginica'],
    });
    expect(fitLabel(table(['y', '3', '10', '2', '3']), 'y')).toMatchObject({
      task: 'multiclass',
      classes: ['2', '3', '10'],
    });
    const many = table(['y', ...Array.from({ length: 30 }, (_, i) => String(i * 7))]);
    expect(fitLabel(many, 'y')).toMatchObject({ task: 'regression' });
    expect(fitLabel(table(['y', '1.5', '2', '3.25']), 'y')).toMatchObject({ task: 'regression' });
    expectDataError(
      () => fitLabel(table(['y', '1.5', 'n.a.', '3']), 'y', { task: 'regression' }),
      ["row 3: the label column 'y' has 'n.a.', not a number"],
    );
  });

  it('uses the given positive value, one-vs-rest for more classes', () => {
    const t = table(['y', 'a', 'b', 'c', 'b']);
    const spec = fitLabel(t, 'y', { positive: 'b' }) as BinaryLabel;
    expect(spec.negatives).toEqual(['a', 'c']);
    expect(Array.from(encodeLabels(t, spec))).toEqual([0, 1, 0, 1]);
  });

  it('rejects a positive value that does not occur, with the closest one', () => {
    expectDataError(
      () => fitLabel(table(['y', 'buy', 'leave']), 'y', { positive: 'byu' }),
      ["positive value 'byu' does not occur", "did you mean 'buy'"],
    );
  });

  it('takes values that differ only in case as one class, whatever the positive value is spelled', () => {
    const t = table(['y', 'Yes', 'yes', 'No', 'no', 'YES']);
    const spec = fitLabel(t, 'y', { positive: 'yes' });
    expect(Array.from(encodeLabels(t, spec))).toEqual([1, 1, 0, 0, 1]);
    const boolean = fitLabel(table(['y', 'TRUE', 'true', 'False']), 'y') as BinaryLabel;
    expect(boolean.mode).toBe('boolean');
    const named = fitLabel(table(['y', 'Buy', 'buy', 'leave']), 'y', { positive: 'BUY' });
    expect(Array.from(encodeLabels(table(['y', 'bUy', 'Leave']), named))).toEqual([1, 0]);
  });

  it('names a missing label column and suggests the closest', () => {
    expectDataError(
      () => fitLabel(table(['Weekend,Revenue', 'TRUE,FALSE']), 'Revnue'),
      ["label column 'Revnue' not found; columns are: 'Weekend', 'Revenue'", "did you mean 'Revenue'"],
      { column: 'Revnue' },
    );
  });

  it('rejects a single class', () => {
    expectDataError(() => fitLabel(table(['y', 'no', 'no']), 'y'), ["single class ('no' in all 2 rows)"]);
  });

  it('rejects a missing label cell with its row', () => {
    expectDataError(() => fitLabel(table(['x,y', '1,yes', '2,', '3,no']), 'y'), ['row 3', "'y'"], {
      row: 3,
      column: 'y',
    });
  });
});
