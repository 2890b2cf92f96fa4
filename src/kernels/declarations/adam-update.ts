import { declareKernel, record, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { AdamParams, FloatArray } from '../types.js';

/** The learning rate with Adam's bias corrections folded in (see `AdamParams`). */
export function adamStepSize(hp: AdamParams): number {
  return (hp.lr * Math.sqrt(1 - hp.beta2 ** hp.step)) / (1 - hp.beta1 ** hp.step);
}

/** One Adam step over len parameters, updating param, m and v in place. */
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
