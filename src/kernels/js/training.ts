import type { AdamParams, FloatArray } from '../types.js';

/**
 * TypeScript versions of the elementwise and reduction kernels a training step needs. The
 * dispatcher runs them when the chosen provider has no kernel of its own; they also define what
 * every provider's kernel must compute.
 */

export function reluBackwardTs(len: number, dy: FloatArray, y: FloatArray, out: FloatArray): void {
  for (let i = 0; i < len; i++) out[i] = y[i] > 0 ? dy[i] : 0;
}

export function columnSumsTs(m: number, n: number, x: FloatArray, out: FloatArray): void {
  // A float64 accumulator per column, filled row by row so x is read in storage order.
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) acc[j] += x[row + j];
  }
  for (let j = 0; j < n; j++) out[j] = acc[j];
}

/** The learning rate with Adam's bias corrections folded in (see `AdamParams`). */
export function adamStepSize(hp: AdamParams): number {
  return (hp.lr * Math.sqrt(1 - hp.beta2 ** hp.step)) / (1 - hp.beta1 ** hp.step);
}

export function adamUpdateTs(
  len: number,
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  hp: AdamParams,
): void {
  const { beta1, beta2, epsilon } = hp;
  const stepSize = adamStepSize(hp);
  for (let i = 0; i < len; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
}
