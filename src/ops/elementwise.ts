import { record } from '../autograd.js';
import { alloc, type FloatArray, Tensor } from '../tensor.js';
import { type BroadcastMap, broadcastMap, broadcastShapes, mapIndex } from './broadcast.js';

export type Operand = Tensor | number;

/** Numbers become constant 0-d tensors of the other operand's dtype. */
export function operandTensor(x: Operand, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new Error(`expected a Tensor or a number, got ${typeof x}`);
  const data = alloc(like.dtype, 1);
  data[0] = x;
  return new Tensor(data, [], false);
}

export function checkSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype)
    throw new Error(`${op}: dtypes differ: ${a.dtype} and ${b.dtype}; convert one with .to()`);
}

/** Sums a gradient over the broadcast dimensions, back to the input's size. */
export function reduceGrad(g: FloatArray, map: BroadcastMap, inSize: number): FloatArray {
  if (map === 'same') return g;
  const out = g instanceof Float64Array ? new Float64Array(inSize) : new Float32Array(inSize);
  if (map === 'suffix') {
    for (let i = 0; i < g.length; i++) out[i % inSize] += g[i];
  } else {
    for (let i = 0; i < g.length; i++) out[map[i]] += g[i];
  }
  return out;
}

export interface Broadcast {
  a: Tensor;
  b: Tensor;
  shape: number[];
  size: number;
  mapA: BroadcastMap;
  mapB: BroadcastMap;
}

export function broadcastPair(op: string, x: Operand, y: Operand): Broadcast {
  if (!(x instanceof Tensor) && !(y instanceof Tensor))
    throw new Error(`${op}: at least one operand must be a Tensor`);
  const a = x instanceof Tensor ? x : operandTensor(x, y as Tensor);
  const b = operandTensor(y, a);
  checkSameDtype(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const size = shape.reduce((p, d) => p * d, 1);
  return { a, b, shape, size, mapA: broadcastMap(shape, a.shape), mapB: broadcastMap(shape, b.shape) };
}

/** out[i] = f(a[ia], b[ib]) over the broadcast shape. */
export function mapBinary(bc: Broadcast, f: (x: number, y: number) => number): FloatArray {
  const { a, b, mapA, mapB, size: n } = bc;
  const out = alloc(a.dtype, n);
  const ad = a.data;
  const bd = b.data;
  if (mapA === 'same' && mapB === 'same') {
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  } else if (mapA === 'same' && b.size === 1) {
    const bv = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bv);
  } else {
    const na = a.size;
    const nb = b.size;
    for (let i = 0; i < n; i++) out[i] = f(ad[mapIndex(mapA, i, na)], bd[mapIndex(mapB, i, nb)]);
  }
  return out;
}

/** g[i] * f(a[ia], b[ib]) over the broadcast shape, then summed back to the size of `to`. */
export function gradThrough(
  bc: Broadcast,
  g: FloatArray,
  to: 'a' | 'b',
  f: (x: number, y: number) => number,
): FloatArray {
  const { a, b, mapA, mapB } = bc;
  const local = alloc(a.dtype, g.length);
  const na = a.size;
  const nb = b.size;
  for (let i = 0; i < g.length; i++) {
    local[i] = g[i] * f(a.data[mapIndex(mapA, i, na)], b.data[mapIndex(mapB, i, nb)]);
  }
  return reduceGrad(local, to === 'a' ? mapA : mapB, to === 'a' ? na : nb);
}

/**
 * out = f(x) elementwise; backward(g, out, x) gives each element's gradient from its upstream
 * gradient, its output and its input.
 */
export function unaryOp(
  op: string,
  x: Tensor,
  f: (v: number) => number,
  backward: (g: number, out: number, v: number) => number,
): Tensor {
  const xd = x.data;
  const od = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) od[i] = f(xd[i]);
  const out = new Tensor(od, x.shape);
  return record(op, out, [x], (g) => {
    const gx = alloc(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) gx[i] = backward(g[i], od[i], xd[i]);
    return [gx];
  });
}
