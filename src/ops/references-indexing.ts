import type { Tensor } from '../tensor.js';
import { indexOf, type Reference, strides } from './references.js';

/**
 * Forward references of the indexing ops (gather, slice, concat, stack, where, max), by their
 * definitions on multi-indices, sharing no code with the ops.
 */

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** The flat position of a multi-index in a shape. */
function flat(idx: readonly number[], shape: readonly number[]): number {
  const st = strides(shape);
  let p = 0;
  for (let d = 0; d < idx.length; d++) p += idx[d] * st[d];
  return p;
}

/** out[a..., j..., c...] = x[a..., indices[j...], c...] (NumPy's take along one axis). */
export function gatherReference(
  x: Tensor,
  indices: readonly number[],
  indexShape: readonly number[],
  axis: number,
): Reference {
  const ax = axis < 0 ? axis + x.ndim : axis;
  const shape = [...x.shape.slice(0, ax), ...indexShape, ...x.shape.slice(ax + 1)];
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape);
    const j = flat(idx.slice(ax, ax + indexShape.length), indexShape);
    const src = [...idx.slice(0, ax), indices[j], ...idx.slice(ax + indexShape.length)];
    data[i] = x.data[flat(src, x.shape)];
  }
  return { shape, data };
}

/** The block of x starting at begin with the given sizes. */
export function sliceReference(x: Tensor, begin: readonly number[], size: readonly number[]): Reference {
  const shape = [...size];
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape).map((v, d) => v + begin[d]);
    data[i] = x.data[flat(idx, x.shape)];
  }
  return { shape, data };
}

/** The tensors one after another along axis. */
export function concatReference(xs: readonly Tensor[], axis: number): Reference {
  const ax = axis < 0 ? axis + xs[0].ndim : axis;
  const shape = [...xs[0].shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape);
    let k = 0;
    let pos = idx[ax];
    while (pos >= xs[k].shape[ax]) pos -= xs[k++].shape[ax];
    const src = [...idx];
    src[ax] = pos;
    data[i] = xs[k].data[flat(src, xs[k].shape)];
  }
  return { shape, data };
}

/** The tensors as slices of a new axis. */
export function stackReference(xs: readonly Tensor[], axis: number): Reference {
  const nd = xs[0].ndim + 1;
  const ax = axis < 0 ? axis + nd : axis;
  const shape = [...xs[0].shape.slice(0, ax), xs.length, ...xs[0].shape.slice(ax)];
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape);
    const src = [...idx.slice(0, ax), ...idx.slice(ax + 1)];
    data[i] = xs[idx[ax]].data[flat(src, xs[0].shape)];
  }
  return { shape, data };
}

/** The value at the position of a multi-index of the broadcast shape, in an operand of its own shape. */
function broadcastRead(x: Tensor, idx: readonly number[]): number {
  const off = idx.length - x.ndim;
  const own = x.shape.map((d, k) => (d === 1 ? 0 : idx[off + k]));
  return x.data[flat(own, x.shape)];
}

/** cond ? a : b elementwise, all three broadcast together. */
export function whereReference(cond: Tensor, a: Tensor, b: Tensor): Reference {
  const nd = Math.max(cond.ndim, a.ndim, b.ndim);
  const shape: number[] = [];
  for (let d = 0; d < nd; d++) {
    const dim = (t: Tensor) => t.shape[t.ndim - nd + d] ?? 1;
    shape.push(Math.max(dim(cond), dim(a), dim(b)));
  }
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = indexOf(i, shape);
    data[i] = broadcastRead(cond, idx) !== 0 ? broadcastRead(a, idx) : broadcastRead(b, idx);
  }
  return { shape, data };
}

/** The largest element over the given axes (all when none are given). */
export function maxReference(x: Tensor, axes: number[] | undefined, keepdims: boolean): Reference {
  const over = (axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + x.ndim : a));
  const kept = x.shape.map((d, i) => (over.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOf(kept)).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < x.size; i++) {
    const idx = indexOf(i, x.shape).map((v, d) => (over.includes(d) ? 0 : v));
    const o = flat(idx, kept);
    out[o] = Math.max(out[o], x.data[i]);
  }
  return { shape: keepdims ? kept : x.shape.filter((_, i) => !over.includes(i)), data: out };
}
