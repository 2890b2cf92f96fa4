import { describe, expect, it } from 'vitest';
import { readCsv, selectRows } from '../../src/data/csv.js';
import { prepareDataset } from '../../src/data/index.js';
import { Preprocessor } from '../../src/data/preprocess.js';
import { syntheticUsers, usersToTable } from '../../src/data/synthetic.js';
import { onlineShoppersPath } from './helpers.js';

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

describe('prepareDataset', () => {
  const table = usersToTable(syntheticUsers(1000, { seed: 11 }));
  const d = prepareDataset(table, { label: 'purchased', seed: 1, test: 0.2, validation: 0.1 });

  it('splits, fits on train rows and transforms every part', () => {
    expect(d.train.rows + d.validation.rows + d.test.rows).toBe(1000);
    expect(d.test.rows).toBe(200);
    expect(d.train.x.length).toBe(d.train.rows * d.features);
    const reference = Preprocessor.fit(selectRows(table, d.split.train), { label: 'purchased' });
    expect(d.preprocessor.toJSON()).toEqual(reference.toJSON());
  });

  it('keeps the positive share in every part', () => {
    const share = (y: Float32Array) => sum(y) / y.length;
    expect(Math.abs(share(d.train.y) - share(d.test.y))).toBeLessThan(0.01);
    expect(Math.abs(share(d.train.y) - share(d.validation.y))).toBeLessThan(0.02);
  });

  it('gives identical arrays for the same seed', () => {
    const again = prepareDataset(table, { label: 'purchased', seed: 1 });
    expect(Array.from(again.test.x)).toEqual(Array.from(d.test.x));
  });
});

describe('prepareDataset on the Online Shoppers CSV', () => {
  const path = onlineShoppersPath();
  it.skipIf(!path)('gives stratified parts and train-only statistics', () => {
    const t = readCsv(path!);
    const d = prepareDataset(t, {
      label: 'Revenue',
      categorical: ['OperatingSystems', 'Browser', 'Region', 'TrafficType'],
      seed: 42,
    });
    // test: 382 of 1908 positives + 2084 of 10422 negatives; validation 10 % of the rest
    expect([d.train.rows, d.validation.rows, d.test.rows]).toEqual([8877, 987, 2466]);
    expect([sum(d.train.y), sum(d.validation.y), sum(d.test.y)]).toEqual([1373, 153, 382]);
    // Statistics from all rows would differ: the scaler really saw only the training rows.
    const all = Preprocessor.fit(t, { label: 'Revenue', categorical: ['OperatingSystems'] });
    const trainMean = d.preprocessor.columns.find((c) => c.name === 'ProductRelated');
    const allMean = all.columns.find((c) => c.name === 'ProductRelated');
    expect(trainMean).not.toEqual(allMean);
  });
});
