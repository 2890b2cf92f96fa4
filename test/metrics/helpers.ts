import { expect } from 'vitest';
import { Generator } from '../../src/random.js';

/** Asserts that fn throws an Error whose message contains every fragment. */
export function expectError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected an error').toBeInstanceOf(Error);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

/** Random labels and scores rounded to 1 decimal so ties are frequent. */
export function randomScores(n: number, seed: number): { y: number[]; p: number[] } {
  const rng = new Generator(seed);
  const y = Array.from({ length: n }, () => (rng.random() < 0.3 ? 1 : 0));
  const p = y.map(
    (label) => Math.round(Math.min(1, Math.max(0, rng.normal(0.4 + 0.2 * label, 0.2))) * 10) / 10,
  );
  y[0] = 1;
  y[1] = 0;
  return { y, p };
}

/** ROC-AUC by definition: over all positive/negative pairs, 1 if ordered, 1/2 if tied. */
export function pairwiseAuc(y: number[], p: number[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      sum += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }
  return sum / pairs;
}
