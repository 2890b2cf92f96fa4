import type { Tensor } from '../tensor.js';

/**
 * Forward references for the op samples: each op's value computed again in float64 with plain
 * loops over multi-indices and closed forms, sharing no code with the op (no broadcast maps, no
 * kernels), so the gradcheck suite catches a wrong forward even when its backward matches it.
 */

export interface Reference {
  shape: number[];
  data: Float64Array;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

/** The multi-index of flat position i in a shape. */
function indexOf(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** A number operand is a 0-d value. */
type Operand = Tensor | number;
const shapeOf = (x: Operand): number[] => (typeof x === 'number' ? [] : [...x.shape]);
const valueAt = (x: Operand, i: number): number => (typeof x === 'number' ? x : x.data[i]);

/** f(x) elementwise. */
export function unaryReference(x: Tensor, f: (v: number) => number): Reference {
  return { shape: [...x.shape], data: Float64Array.from(x.data, f) };
}

/** f(a, b) over NumPy broadcasting: dimensions aligned from the right, size-1 dimensions repeated. */
export function binaryReference(a: Operand, b: Operand, f: (x: number, y: number) => number): Reference {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  const nd = Math.max(sa.length, sb.length);
  const pa = [...new Array(nd - sa.length).fill(1), ...sa];
  const pb = [...new Array(nd - sb.length).fill(1), ...sb];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const ta = strides(pa);
  const tb = strides(pb);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape);
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < nd; d++) {
      ia += (pa[d] === 1 ? 0 : idx[d]) * ta[d];
      ib += (pb[d] === 1 ? 0 : idx[d]) * tb[d];
    }
    data[i] = f(valueAt(a, ia), valueAt(b, ib));
  }
  return { shape, data };
}

/** op(A) op(B) by the definition: sum over p of A[i][p] B[p][j]. */
export function matmulReference(a: Tensor, b: Tensor, transA = false, transB = false): Reference {
  const A = (i: number, p: number) => (transA ? a.data[p * a.shape[1] + i] : a.data[i * a.shape[1] + p]);
  const B = (p: number, j: number) => (transB ? b.data[j * b.shape[1] + p] : b.data[p * b.shape[1] + j]);
  const m = transA ? a.shape[1] : a.shape[0];
  const k = transA ? a.shape[0] : a.shape[1];
  const n = transB ? b.shape[0] : b.shape[1];
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      data[i * n + j] = s;
    }
  }
  return { shape: [m, n], data };
}

/** Sum (or mean) over the given axes (negative ones count from the end; none: all of them). */
export function reduceReference(
  x: Tensor,
  axes: number[] | undefined,
  keepdims: boolean,
  mean: boolean,
): Reference {
  const nd = x.ndim;
  const over = (axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + nd : a));
  const kept = x.shape.map((d, i) => (over.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOf(kept));
  const count = x.size / out.length;
  const ks = strides(kept);
  for (let i = 0; i < x.size; i++) {
    const idx = indexOf(i, x.shape);
    let o = 0;
    for (let d = 0; d < nd; d++) if (!over.includes(d)) o += idx[d] * ks[d];
    out[o] += x.data[i];
  }
  if (mean) for (let i = 0; i < out.length; i++) out[i] /= count;
  return { shape: keepdims ? kept : x.shape.filter((_, i) => !over.includes(i)), data: out };
}

/** Axes permuted: output element at index idx reads the input at idx[perm^-1]. */
export function transposeReference(x: Tensor, perm?: number[]): Reference {
  const p = perm ?? x.shape.map((_, i) => x.ndim - 1 - i);
  const shape = p.map((a) => x.shape[a]);
  const xs = strides(x.shape);
  const data = new Float64Array(x.size);
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape);
    let src = 0;
    for (let d = 0; d < idx.length; d++) src += idx[d] * xs[p[d]];
    data[i] = x.data[src];
  }
  return { shape, data };
}

/** A 0-d result. */
export function scalarReference(value: number): Reference {
  return { shape: [], data: Float64Array.of(value) };
}

/** The mean of term(i) over n elements. */
export function meanOf(n: number, term: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += term(i);
  return s / n;
}

/**
 * erf by its Maclaurin series, 2/sqrt(pi) sum_n (-1)^n z^(2n+1) / (n! (2n+1)): the alternating
 * series, not the op's (erf.ts), and exact to about 1e-14 for |z| < 3.
 */
function erfMaclaurin(z: number): number {
  let power = z;
  let factorial = 1;
  let sum = 0;
  for (let n = 0; n < 120; n++) {
    if (n > 0) {
      power *= -z * z;
      factorial *= n;
    }
    sum += power / (factorial * (2 * n + 1));
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Closed forms of the activations, written apart from the ones the ops use. */
export const closedForms = {
  linear: (v: number) => v,
  relu: (v: number) => Math.max(v, 0),
  sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
  tanh: (v: number) => (Math.exp(2 * v) - 1) / (Math.exp(2 * v) + 1),
  /** Keras's leaky_relu with its default negative slope 0.2. */
  leakyRelu: (v: number) => Math.max(v, 0.2 * v),
  /** Keras's elu with alpha 1. */
  elu: (v: number) => (v > 0 ? v : Math.exp(v) - 1),
  /** x Phi(x) = x (1 + erf(x / sqrt 2)) / 2. */
  gelu: (v: number) => (v * (1 + erfMaclaurin(v / Math.SQRT2))) / 2,
  /** The tanh approximation of GELU. */
  geluTanh: (v: number) => {
    const u = Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3);
    return (v / 2) * (1 + (Math.exp(2 * u) - 1) / (Math.exp(2 * u) + 1));
  },
} as const;
