/**
 * Stratified train / validation / test split. Each class is shuffled and cut separately, so every
 * part keeps the class balance of the whole (15 % buyers stays 15 % in each part).
 */
import { defaultGenerator, Generator } from '../random.js';
import { DataError } from './errors.js';
import { checkOptions, DATA_OPTIONS } from './options.js';

export interface SplitOptions {
  /** Share of all rows held out for testing; default 0.2. */
  test?: number;
  /** Share of the remaining (non-test) rows held out for validation; default 0.1. */
  validation?: number;
  /** Keep class shares in every part (default true); false splits the shuffled rows as a whole. */
  stratify?: boolean;
  /** The generator to draw from; `seed` makes a fresh one; neither uses the default generator. */
  rng?: Generator;
  seed?: number;
}

/** Row indices of each part, in ascending row order. */
export interface Split {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

export function generatorFrom(options: { rng?: Generator; seed?: number }): Generator {
  return options.rng ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator());
}

function checkFraction(name: string, f: number): void {
  if (!(f >= 0 && f < 1)) throw new DataError(`split: ${name} fraction must be in [0, 1), got ${f}`);
}

/**
 * Splits rows by their labels (any class ids). Deterministic for a given seed. Works on typed
 * arrays throughout: ten million rows take a few hundred milliseconds and no call stack.
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: SplitOptions = {}): Split {
  checkOptions('stratifiedSplit', options, DATA_OPTIONS.split);
  const testFraction = options.test ?? 0.2;
  const validationFraction = options.validation ?? 0.1;
  checkFraction('test', testFraction);
  checkFraction('validation', validationFraction);
  const n = labels.length;
  if (n === 0) throw new DataError('split: no rows to split');
  const rng = generatorFrom(options);

  // Rows of each class, in ascending row order. Class ids that are small non-negative integers (the
  // usual 0/1) index arrays; anything else goes through a map.
  const keyOf = (i: number) => (options.stratify === false ? 0 : labels[i]);
  let small = true;
  for (let i = 0; i < n && small; i++) {
    const k = keyOf(i);
    small = Number.isInteger(k) && k >= 0 && k < 65536;
  }
  const slot = new Int32Array(n);
  const keys: number[] = [];
  if (small) {
    const index = new Int32Array(65536).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = keyOf(i);
      if (index[k] < 0) {
        index[k] = keys.length;
        keys.push(k);
      }
      slot[i] = index[k];
    }
  } else {
    const index = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = keyOf(i);
      let s = index.get(k);
      if (s === undefined) {
        s = keys.length;
        index.set(k, s);
        keys.push(k);
      }
      slot[i] = s;
    }
  }
  const sizes = new Int32Array(keys.length);
  for (let i = 0; i < n; i++) sizes[slot[i]]++;
  const groups = Array.from(sizes, (size) => ({ rows: new Int32Array(size), used: 0 }));
  for (let i = 0; i < n; i++) {
    const g = groups[slot[i]];
    g.rows[g.used++] = i;
  }
  // Each class is shuffled and cut: the first rows go to test, the next to validation. Classes in
  // sorted order so the draws do not depend on which class appears first.
  const part = new Uint8Array(n); // 0 train, 1 validation, 2 test
  const counts = [0, 0, 0];
  const order = keys.map((k, s) => [k, s]).sort((a, b) => a[0] - b[0]);
  for (const [, s] of order) {
    const rows = rng.shuffle(groups[s].rows);
    const nTest = Math.round(rows.length * testFraction);
    const nValidation = Math.round((rows.length - nTest) * validationFraction);
    for (let k = 0; k < rows.length; k++) part[rows[k]] = k < nTest ? 2 : k < nTest + nValidation ? 1 : 0;
    counts[2] += nTest;
    counts[1] += nValidation;
    counts[0] += rows.length - nTest - nValidation;
  }
  if (counts[0] === 0) {
    throw new DataError(
      `split: no training rows left from ${n} rows (test ${testFraction}, validation ${validationFraction})`,
    );
  }
  const out = counts.map((c) => new Int32Array(c));
  const used = [0, 0, 0];
  for (let i = 0; i < n; i++) out[part[i]][used[part[i]]++] = i;
  return { train: out[0], validation: out[1], test: out[2] };
}
