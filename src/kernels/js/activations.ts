import type { Activation, FloatArray } from '../types.js';

/**
 * The activations and their derivatives, once, in TypeScript: the dense kernels' epilogue, the
 * reference kernels, the activation ops and the model's scores all use these. (The C++ and gpu.js
 * kernels carry their own, tested against these.)
 */

/** 1 / (1 + e^-v), computed without overflow for large |v|. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export interface ActivationMath {
  /** y = act(v). */
  forward(v: number): number;
  /**
   * dL/dv from dL/dy and the output y, so no pre-activation needs keeping. ReLU passes dy where
   * y > 0 (ReLU'(0) = 0, and the gradient of a unit that is off is 0 even when dy is not finite).
   */
  backward(dy: number, y: number): number;
}

export const activations: Readonly<Record<Activation, ActivationMath>> = {
  linear: { forward: (v) => v, backward: (dy) => dy },
  // A comparison, not Math.max: NaN maps to 0.
  relu: { forward: (v) => (v > 0 ? v : 0), backward: (dy, y) => (y > 0 ? dy : 0) },
  sigmoid: { forward: sigmoid, backward: (dy, y) => dy * y * (1 - y) },
  tanh: { forward: Math.tanh, backward: (dy, y) => dy * (1 - y * y) },
};

/** out[i] = act(out[i] + bias[i % n]) over an m x n out, in place: a dense layer's epilogue. */
export function applyBiasActivation(
  m: number,
  n: number,
  bias: FloatArray | null,
  activation: Activation,
  out: FloatArray,
): void {
  const act = activations[activation].forward;
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[row + j] = act(out[row + j] + (bias === null ? 0 : bias[j]));
  }
}
