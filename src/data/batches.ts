/** Mini-batches as row indices, and gathering those rows out of a row-major matrix. */
import type { Generator } from '../random.js';
import { DataError } from './errors.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { generatorFrom } from './split.js';

export interface BatchOptions {
  /** Shuffle the order each time the iterator is created (default true). */
  shuffle?: boolean;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
  rng?: Generator;
  seed?: number;
}

/** How many batches one pass yields. */
export function numBatches(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Yields batches of row indices covering `rows` (a count, meaning 0..rows-1, or an index list such
 * as an oversampled training set), each row once per pass, in a seeded random order.
 */
export function* batchIndices(
  rows: number | ArrayLike<number>,
  batchSize: number,
  options: BatchOptions = {},
): IterableIterator<Int32Array> {
  checkOptions('batchIndices', options, DATA_OPTIONS.batch);
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new DataError(`batchIndices: batch size must be a positive integer, got ${batchSize}`);
  }
  const order =
    typeof rows === 'number' ? Int32Array.from({ length: rows }, (_, i) => i) : Int32Array.from(rows);
  if (options.shuffle !== false) generatorFrom(options).shuffle(order);
  const count = numBatches(order.length, batchSize, options.dropLast);
  for (let b = 0; b < count; b++)
    yield order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length));
}

/** The rows at `indices` of a row-major matrix with `cols` columns (labels: cols = 1). */
export function gatherRows(x: Float32Array, cols: number, indices: ArrayLike<number>): Float32Array {
  const rows = x.length / cols;
  if (!Number.isInteger(rows)) {
    throw new DataError(`gatherRows: length ${x.length} is not a multiple of ${cols} columns`);
  }
  const out = new Float32Array(indices.length * cols);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!(r >= 0 && r < rows)) throw new DataError(`gatherRows: row ${r} out of range for ${rows} rows`);
    out.set(x.subarray(r * cols, (r + 1) * cols), i * cols);
  }
  return out;
}
