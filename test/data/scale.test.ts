import { describe, expect, it } from 'vitest';
import { classWeights, randomOversample } from '../../src/data/imbalance.js';
import { stratifiedSplit } from '../../src/data/split.js';
import { averagePrecision, rocAuc } from '../../src/metrics/ranking.js';
import { bestThreshold } from '../../src/metrics/threshold.js';
import { Generator } from '../../src/random.js';

/** Labels with a 15 % positive share and scores on `levels` distinct values (many ties). */
function labelledScores(n: number, levels: number, seed: number) {
  const rng = new Generator(seed);
  const y = new Float32Array(n);
  const p = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.random() < 0.15 ? 1 : 0;
    p[i] = Math.min(levels - 1, Math.floor(rng.random() * levels * (0.6 + 0.4 * y[i]))) / levels;
  }
  return { y, p };
}

/** Positive and negative counts per score level: the exact references for the ranking metrics. */
function countsPerLevel(y: Float32Array, p: Float32Array, levels: number) {
  const pos = new Float64Array(levels);
  const neg = new Float64Array(levels);
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg)[Math.round(p[i] * levels)]++;
  return { pos, neg };
}

describe('O(n) paths at a million rows', () => {
  const n = 1_000_000;
  const levels = 1000;
  const { y, p } = labelledScores(n, levels, 3);
  const { pos, neg } = countsPerLevel(y, p, levels);
  const P = pos.reduce((a, b) => a + b, 0);
  const N = neg.reduce((a, b) => a + b, 0);

  it('rocAuc equals the count-based Mann-Whitney statistic', () => {
    let below = 0;
    let pairs = 0;
    for (let k = 0; k < levels; k++) {
      pairs += pos[k] * below + 0.5 * pos[k] * neg[k];
      below += neg[k];
    }
    expect(rocAuc(y, p)).toBeCloseTo(pairs / (P * N), 12);
  });

  it('averagePrecision equals the count-based sum over thresholds', () => {
    let tp = 0;
    let seen = 0;
    let ap = 0;
    for (let k = levels - 1; k >= 0; k--) {
      tp += pos[k];
      seen += pos[k] + neg[k];
      if (pos[k] > 0) ap += (pos[k] / P) * (tp / seen);
    }
    expect(averagePrecision(y, p)).toBeCloseTo(ap, 12);
  });

  it('bestThreshold finds the count-based best F1', () => {
    let tp = 0;
    let fp = 0;
    let best = -1;
    let at = 0;
    for (let k = levels - 1; k >= 0; k--) {
      if (pos[k] + neg[k] === 0) continue;
      tp += pos[k];
      fp += neg[k];
      const f1 = (2 * tp) / (2 * tp + fp + (P - tp));
      if (f1 > best) [best, at] = [f1, k / levels];
    }
    const got = bestThreshold(y, p);
    expect(got.value).toBeCloseTo(best, 12);
    expect(got.threshold).toBeCloseTo(at, 6);
  });

  it('stratifiedSplit gives exact class shares, and the same rows as the list-based version', () => {
    const s = stratifiedSplit(y, { test: 0.2, validation: 0.15, seed: 9 });
    expect(s.train.length + s.validation.length + s.test.length).toBe(n);
    const positives = (idx: Int32Array) => idx.reduce((a, i) => a + y[i], 0);
    expect(positives(s.test)).toBe(Math.round(P * 0.2));
    // The version before typed arrays (per-class lists shuffled by the same generator), on a prefix
    // small enough for it not to overflow the stack.
    const m = 60_000;
    const prefix = y.subarray(0, m);
    const rng = new Generator(9);
    const test: number[] = [];
    for (const label of [0, 1]) {
      const rows = rng.shuffle(Array.from({ length: m }, (_, i) => i).filter((i) => prefix[i] === label));
      test.push(...rows.slice(0, Math.round(rows.length * 0.2)));
    }
    expect(Array.from(stratifiedSplit(prefix, { test: 0.2, validation: 0.15, seed: 9 }).test)).toEqual(
      test.sort((a, b) => a - b),
    );
  });

  it('classWeights and randomOversample balance the classes', () => {
    const w = classWeights(y);
    expect(w[1] * P).toBeCloseTo(w[0] * N, 6);
    const idx = randomOversample(y, undefined, { seed: 1 });
    expect(idx.length).toBe(2 * N);
    expect(idx.reduce((a, i) => a + y[i], 0)).toBe(N);
  });
});
