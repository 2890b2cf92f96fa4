/**
 * Stratified train / validation / test split. Each class is shuffled and cut separately, so every
 * part keeps the class balance of the whole (15 % buyers stays 15 % in each part).
 */
import { defaultGenerator, Generator } from '../random.js';
import { DataError } from './errors.js';

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

/** Splits rows by their labels (any class ids). Deterministic for a given seed. */
export function stratifiedSplit(labels: ArrayLike<number>, options: SplitOptions = {}): Split {
  const testFraction = options.test ?? 0.2;
  const validationFraction = options.validation ?? 0.1;
  checkFraction('test', testFraction);
  checkFraction('validation', validationFraction);
  if (labels.length === 0) throw new DataError('split: no rows to split');
  const rng = generatorFrom(options);

  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = options.stratify === false ? 0 : labels[i];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  // Classes in sorted order so the draws do not depend on which class appears first.
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(groups.get(key)!);
    const nTest = Math.round(rows.length * testFraction);
    const nValidation = Math.round((rows.length - nTest) * validationFraction);
    test.push(...rows.slice(0, nTest));
    validation.push(...rows.slice(nTest, nTest + nValidation));
    train.push(...rows.slice(nTest + nValidation));
  }
  if (train.length === 0) {
    throw new DataError(
      `split: no training rows left from ${labels.length} rows (test ${testFraction}, validation ${validationFraction})`,
    );
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(train), validation: sorted(validation), test: sorted(test) };
}
