import { declareKernel, record, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { AdamParams, FloatArray } from '../types.js';

/** The learning rate with Adam's bias corrections folded in (see `AdamParams`). */
export function adamStepSize(hp: AdamParams): number {
  return (hp.lr * Math.sqrt(1 - hp.beta2 ** hp.step)) / (1 - hp.beta1 ** hp.step);
}

/**
 * One Adam step over len parameters, updating param, m and v in place. float32 arrays are updated
 * in float32 arithmetic, as PyTorch and TensorFlow do (every operation rounded to float32, in the
 * order written: the native kernel vectorizes the same operations, so results match bit for bit);
 * float64 arrays in double.
 */
export function adamUpdateReference(
  len: number,
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  hp: AdamParams,
): void {
  const { beta1, beta2, epsilon } = hp;
  const stepSize = adamStepSize(hp);
  if (param instanceof Float32Array) {
    const f = Math.fround;
    const b1 = f(beta1);
    const c1 = f(1 - beta1);
    const b2 = f(beta2);
    const c2 = f(1 - beta2);
    const s = f(stepSize);
    const eps = f(epsilon);
    for (let i = 0; i < len; i++) {
      const g = f(grad[i]);
      const mi = f(f(b1 * m[i]) + f(c1 * g));
      const vi = f(f(b2 * v[i]) + f(f(c2 * g) * g));
      m[i] = mi;
      v[i] = vi;
      param[i] = f(param[i] - f(f(s * mi) / f(f(Math.sqrt(vi)) + eps)));
    }
    return;
  }
  for (let i = 0; i < len; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
}

export type AdamUpdateFn = typeof adamUpdateReference;

function checkAdamParams(hp: AdamParams): string | null {
  for (const key of ['lr', 'beta1', 'beta2', 'epsilon'] as const) {
    if (typeof hp[key] !== 'number') return `hp.${key} must be a number, got ${typeof hp[key]}`;
  }
  return Number.isInteger(hp.step) && hp.step >= 1 ? null : `step counts from 1, got ${hp.step}`;
}

export const adamUpdateKernel = declareKernel({
  name: 'adamUpdate',
  args: [
    size('len'),
    vector('param', 'len'),
    vector('grad', 'len'),
    vector('m', 'len'),
    vector('v', 'len'),
    record('hp', checkAdamParams),
  ],
  dtypeFrom: 'param',
  work: { sizes: ['len'], scale: 10 },
  reference: adamUpdateReference,
});

/** One Adam step in place on param, m and v (see `AdamParams` for the update). */
export const adamUpdate = dispatcher(adamUpdateKernel);
