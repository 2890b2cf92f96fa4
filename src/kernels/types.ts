/**
 * The kernel layer's vocabulary. Kernels see flat row-major arrays and sizes only: no tensors,
 * no graphs, no gradients. Each kernel's signature is its reference implementation's (see
 * declarations/): nothing here repeats one.
 */

export type Dtype = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

/** Activations a fused dense kernel can apply to its output. */
export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Activations of the gates of recurrent kernels (Keras 2's hard sigmoid: 0.2 v + 0.5, clipped). */
export const RECURRENT_ACTIVATIONS = ['sigmoid', 'hardSigmoid'] as const;
export type RecurrentActivation = (typeof RECURRENT_ACTIVATIONS)[number];

/**
 * Adam's hyperparameters for one step. `step` counts from 1. The update is Keras's form, with the
 * bias corrections folded into the learning rate:
 *
 *     m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
 *     param -= lr * sqrt(1 - beta2^step) / (1 - beta1^step) * m / (sqrt(v) + epsilon)
 */
export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  step: number;
}

export function isFloatArray(a: unknown): a is FloatArray {
  return a instanceof Float32Array || a instanceof Float64Array;
}

export function dtypeOf(a: FloatArray): Dtype {
  return a instanceof Float64Array ? 'float64' : 'float32';
}
