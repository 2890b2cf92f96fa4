/**
 * Plain float64 loops for the by-hand checks in the teaching scripts: row-major matrices as flat
 * arrays, nothing from the engine, so a check compares two independent computations.
 */

/** C = A B, with A (m x k) and B (k x n). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  return c;
}

/** C = A^T B, with A (m x k) and B (m x n): the weight gradient H^T delta. */
export function matmulTA(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number) {
  const c = new Float64Array(k * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) c[p * n + j] += aip * b[i * n + j];
    }
  return c;
}

/** C = A B^T, with A (m x n) and B (k x n): the delta sent back, delta W^T. */
export function matmulTB(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number) {
  const c = new Float64Array(m * k);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * b[p * n + j];
      c[i * k + p] = s;
    }
  return c;
}

/** Adds the bias row b (length n) to every row of the m x n matrix z, in place. */
export function addRow(z: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  for (let i = 0; i < z.length; i++) z[i] += b[i % n];
  return z;
}

/** Column sums of an m x n matrix: the bias gradient. */
export function columnSums(a: ArrayLike<number>, m: number, n: number) {
  const s = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) s[j] += a[i * n + j];
  return s;
}

/** The largest |a_i - b_i|; Infinity when the lengths differ (a check that cannot pass). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    // NaN on either side must fail the check, and Math.max would keep NaN, so say it outright.
    if (!(e <= d)) d = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return d;
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
