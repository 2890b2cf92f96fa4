/**
 * Two answers to class imbalance (15 % buyers): weight the rare class in the loss, or show its rows
 * more often. Both are applied to training rows only.
 */
import type { Generator } from '../random.js';
import { DataError } from './errors.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { generatorFrom } from './split.js';

function classCounts(y: ArrayLike<number>, indices?: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  const n = indices ? indices.length : y.length;
  for (let i = 0; i < n; i++) {
    const label = y[indices ? indices[i] : i];
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/**
 * 'balanced' class weights as sklearn: n_samples / (n_classes * count), so for two classes
 * n / (2 * count). A class weighted this way contributes as much to the loss as any other.
 */
export function classWeights(y: ArrayLike<number>): Record<number, number> {
  if (y.length === 0) throw new DataError('classWeights: no labels');
  const counts = classCounts(y);
  const weights: Record<number, number> = {};
  for (const [label, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    weights[label] = y.length / (counts.size * count);
  }
  return weights;
}

/** One weight per row from per-class weights (for a weighted loss). */
export function sampleWeights(y: ArrayLike<number>, weights: Record<number, number>): Float32Array {
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const w = weights[y[i]];
    if (w === undefined) throw new DataError(`sampleWeights: no weight for class ${y[i]} (row ${i})`);
    out[i] = w;
  }
  return out;
}

export interface OversampleOptions {
  rng?: Generator;
  seed?: number;
}

/**
 * Random oversampling: the given row indices (default all) plus rows of each smaller class drawn
 * with replacement until every class has as many rows as the largest. Extra rows are appended, in
 * draw order; shuffle when batching.
 */
export function randomOversample(
  y: ArrayLike<number>,
  indices?: ArrayLike<number>,
  options: OversampleOptions = {},
): Int32Array {
  checkOptions('randomOversample', options, DATA_OPTIONS.oversample);
  const n = indices ? indices.length : y.length;
  if (n === 0) throw new DataError('randomOversample: no rows');
  const rng = generatorFrom(options);
  const row = (k: number) => (indices ? indices[k] : k);
  const counts = classCounts(y, indices);
  const byClass = new Map<number, { rows: Int32Array; used: number }>();
  for (const [label, count] of counts) byClass.set(label, { rows: new Int32Array(count), used: 0 });
  for (let k = 0; k < n; k++) {
    const g = byClass.get(y[row(k)])!;
    g.rows[g.used++] = row(k);
  }
  let largest = 0;
  for (const count of counts.values()) largest = Math.max(largest, count);
  const out = new Int32Array(largest * counts.size);
  for (let k = 0; k < n; k++) out[k] = row(k);
  let o = n;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const g = byClass.get(label)!.rows;
    for (let k = g.length; k < largest; k++) out[o++] = g[rng.int(g.length)];
  }
  return out;
}
