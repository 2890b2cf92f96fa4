/**
 * The kernel layer's vocabulary. Kernels see flat row-major arrays and sizes only: no tensors,
 * no graphs, no gradients.
 */

export type Dtype = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

/**
 * General matrix multiply on row-major, contiguous arrays:
 *
 *     C = alpha * op(A) * op(B) + beta * C
 *
 * where op(A) is m x k (A is stored k x m when transA), op(B) is k x n (B is stored n x k when
 * transB) and C is m x n. As in BLAS, beta = 0 overwrites C without reading it, so NaN in a fresh
 * output buffer does not leak into the result. a, b and c share one element type.
 */
export type GemmFn = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
) => void;

/** Activations a fused dense kernel can apply to its output. */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/**
 * Fused dense forward: out = act(x * W + bias), x m x k, W k x n, bias n (or null), out m x n.
 * Providers may implement it; the dispatcher falls back to gemm plus a TypeScript epilogue.
 */
export type DenseForwardFn = (
  m: number,
  n: number,
  k: number,
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  activation: Activation,
  out: FloatArray,
) => void;

/** dx = dy where y > 0, else 0 (ReLU'(0) = 0); y is the layer's output (or its pre-activation). */
export type ReluBackwardFn = (len: number, dy: FloatArray, y: FloatArray, out: FloatArray) => void;

/** out[j] = sum over rows i of x[i*n + j]: the bias gradient of a dense layer. x is m x n. */
export type ColumnSumsFn = (m: number, n: number, x: FloatArray, out: FloatArray) => void;

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

/** One Adam step over len parameters, updating param, m and v in place. */
export type AdamUpdateFn = (
  len: number,
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  hp: AdamParams,
) => void;

export interface KernelProvider {
  /** Registry name: 'js', 'js-naive', 'native', 'gpu', ... */
  readonly name: string;
  /** Element types this provider computes. */
  readonly dtypes: readonly Dtype[];
  readonly gemm: GemmFn;
  readonly denseForward?: DenseForwardFn;
  /** Optional training-step kernels; the dispatcher has TypeScript fallbacks for each. */
  readonly reluBackward?: ReluBackwardFn;
  readonly columnSums?: ColumnSumsFn;
  readonly adamUpdate?: AdamUpdateFn;
  /** One line for `tensorgrad info`: mode, threads, ISA... */
  describe?(): string;
}

export function dtypeOf(a: FloatArray): Dtype {
  return a instanceof Float64Array ? 'float64' : 'float32';
}
