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

export interface KernelProvider {
  /** Registry name: 'js', 'js-naive', 'native', 'gpu', ... */
  readonly name: string;
  /** Element types this provider computes. */
  readonly dtypes: readonly Dtype[];
  readonly gemm: GemmFn;
  readonly denseForward?: DenseForwardFn;
  /** One line for `tensorgrad info`: mode, threads, ISA... */
  describe?(): string;
}

export function dtypeOf(a: FloatArray): Dtype {
  return a instanceof Float64Array ? 'float64' : 'float32';
}
