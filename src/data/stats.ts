/** Small statistics the preprocessing fits on training rows. Population moments, as sklearn. */

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Population standard deviation (divides by n, as sklearn's StandardScaler). */
export function std(values: ArrayLike<number>, mu = mean(values)): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - mu) ** 2;
  return Math.sqrt(s / values.length);
}

export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Sample skewness g1 = m3 / m2^1.5 (0 for a constant column). */
export function skewness(values: ArrayLike<number>): number {
  const mu = mean(values);
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] - mu;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= values.length;
  m3 /= values.length;
  return m2 === 0 ? 0 : m3 / m2 ** 1.5;
}

/** The most frequent value; ties go to the one that sorts first, so the result is deterministic. */
export function mode<T extends string | number>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = -1;
  for (const [v, n] of counts) {
    if (n > bestCount || (n === bestCount && best !== undefined && v < best)) {
      best = v;
      bestCount = n;
    }
  }
  if (best === undefined) throw new Error('mode: no values');
  return best;
}

/**
 * Count, mean and the second and third central moment sums of a stream of values, updated one value
 * at a time (Welford's update, extended to the third moment), so a column's statistics come from
 * one pass over the rows without keeping them. `merge` adds `count` copies of one value (imputed
 * cells) with the pairwise formula of Chan et al.
 */
export class Moments {
  n = 0;
  mean = 0;
  m2 = 0;
  m3 = 0;

  add(x: number): void {
    const n0 = this.n;
    const n = n0 + 1;
    const delta = x - this.mean;
    const deltaN = delta / n;
    const term = delta * deltaN * n0;
    this.mean += deltaN;
    this.m3 += term * deltaN * (n - 2) - 3 * deltaN * this.m2;
    this.m2 += term;
    this.n = n;
  }

  /** Adds `count` copies of `x` (mean and second moment only; the third is left as it was). */
  addRepeated(x: number, count: number): void {
    if (count <= 0) return;
    const n = this.n + count;
    const delta = x - this.mean;
    this.m2 += (delta * delta * this.n * count) / n;
    this.mean += (delta * count) / n;
    this.n = n;
  }

  /** Population standard deviation (divides by n, as sklearn's StandardScaler). */
  get std(): number {
    return Math.sqrt(this.m2 / this.n);
  }

  /** Sample skewness g1 = m3 / m2^1.5 (0 for a constant stream). */
  get skewness(): number {
    return this.m2 === 0 ? 0 : (Math.sqrt(this.n) * this.m3) / this.m2 ** 1.5;
  }
}
