import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { Preprocessor } from '../../src/data/preprocess.js';
import {
  purchaseRule,
  purchaseScore,
  type SyntheticFeatures,
  section43Data,
  section43Score,
  syntheticUsers,
  usersToCsv,
  usersToTable,
} from '../../src/data/synthetic.js';
import { expectDataError } from './helpers.js';

const base: SyntheticFeatures = {
  age: 60,
  gender: 'male',
  region: 'north',
  browseHour: 12,
  sessionMinutes: 3,
  pagesViewed: 4,
  purchaseFrequency: 0,
  purchaseAmount: 0,
  preferredCategory: 'books',
};

describe('syntheticUsers', () => {
  it('is deterministic for a seed', () => {
    expect(syntheticUsers(50, { seed: 9 })).toEqual(syntheticUsers(50, { seed: 9 }));
    expect(syntheticUsers(50, { seed: 9 })).not.toEqual(syntheticUsers(50, { seed: 10 }));
  });

  it('draws values in their documented ranges', () => {
    for (const u of syntheticUsers(2000, { seed: 1 })) {
      expect(u.age).toBeGreaterThanOrEqual(18);
      expect(u.age).toBeLessThanOrEqual(75);
      expect(Number.isInteger(u.browseHour) && u.browseHour >= 0 && u.browseHour <= 23).toBe(true);
      expect(u.sessionMinutes).toBeGreaterThan(0);
      expect(u.pagesViewed).toBeGreaterThanOrEqual(1);
      expect(u.purchaseAmount === 0).toBe(u.purchaseFrequency === 0);
    }
  });

  it('labels by the hidden rule without noise, and flips about labelNoise of them with it', () => {
    const clean = syntheticUsers(4000, { seed: 2, labelNoise: 0 });
    expect(clean.every((u) => u.purchased === purchaseRule(u))).toBe(true);
    const rate = clean.filter((u) => u.purchased).length / clean.length;
    expect(rate).toBeGreaterThan(0.12);
    expect(rate).toBeLessThan(0.3);
    const noisy = syntheticUsers(4000, { seed: 2, labelNoise: 0.1 });
    const flipped = noisy.filter((u) => u.purchased !== purchaseRule(u)).length / noisy.length;
    expect(flipped).toBeGreaterThan(0.08);
    expect(flipped).toBeLessThan(0.12);
  });

  it('hides an interaction: many pages or a long session alone do not buy', () => {
    const loyal = { ...base, purchaseFrequency: 4, purchaseAmount: 50 };
    expect(purchaseRule({ ...loyal, pagesViewed: 20 })).toBe(false);
    expect(purchaseRule({ ...loyal, sessionMinutes: 30 })).toBe(false);
    expect(purchaseRule({ ...loyal, pagesViewed: 20, sessionMinutes: 30 })).toBe(true);
    expect(purchaseScore({ ...loyal, pagesViewed: 20, sessionMinutes: 30, browseHour: 3 })).toBeCloseTo(
      1.8,
      12,
    );
  });

  it('rejects bad arguments', () => {
    expectDataError(() => syntheticUsers(0), ['n must be a positive integer, got 0']);
    expectDataError(
      () => syntheticUsers(5, { labelNoise: 0.7 }),
      ['labelNoise must be in [0, 0.5], got 0.7'],
    );
  });

  it('writes a CSV the data pipeline reads back, yes/no label included', () => {
    const users = syntheticUsers(300, { seed: 3 });
    const t = parseCsv(usersToCsv(users, ';'));
    expect(t.delimiter).toBe(';');
    expect(t.rows).toEqual(usersToTable(users).rows);
    const p = Preprocessor.fit(t, { label: 'purchased' });
    expect(p.label?.task !== 'multiclass' && p.label?.task !== 'regression' && p.label?.positive).toBe('yes');
    expect(p.numFeatures).toBe(6 + 2 + 4 + 5);
    const y = p.transform(t).y!;
    expect(Array.from(y)).toEqual(users.map((u) => (u.purchased ? 1 : 0)));
  });
});

describe('section43Data', () => {
  it('has 1000 x 10 standard-normal features by default', () => {
    const d = section43Data({ seed: 4 });
    expect([d.rows, d.features, d.x.length, d.y.length]).toEqual([1000, 10, 10000, 1000]);
    expect(d.featureNames[9]).toBe('x10');
    const mean = d.x.reduce((a, b) => a + b, 0) / d.x.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    const rate = d.y.reduce((a, b) => a + b, 0) / d.rows;
    expect(rate).toBeGreaterThan(0.35);
    expect(rate).toBeLessThan(0.6);
  });

  it('labels by the documented rule without noise, deterministically', () => {
    const d = section43Data({ n: 500, seed: 5, labelNoise: 0 });
    for (let i = 0; i < d.rows; i++) {
      expect(d.y[i]).toBe(section43Score(d.x.subarray(i * 10, i * 10 + 10)) > 0 ? 1 : 0);
    }
    expect(Array.from(section43Data({ n: 500, seed: 5, labelNoise: 0 }).x)).toEqual(Array.from(d.x));
  });

  it('needs 6 features for its rule', () => {
    expectDataError(() => section43Data({ features: 5 }), ['the rule uses 6 features, got features = 5']);
  });
});
