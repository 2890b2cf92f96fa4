import { formatShape, type Shape, sizeOf } from '../tensor.js';

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * How the elements of `outShape` read a tensor of `inShape` that broadcasts to it:
 * - 'same': element i reads element i;
 * - 'suffix': inShape matches the trailing dims (after dropping leading 1s), element i reads i % inSize;
 * - an Int32Array: element i reads map[i] (the general case).
 */
export type BroadcastMap = 'same' | 'suffix' | Int32Array;

export function broadcastMap(outShape: Shape, inShape: Shape): BroadcastMap {
  if (sameShape(outShape, inShape)) return 'same';
  const trimmed = [...inShape];
  while (trimmed.length > 0 && trimmed[0] === 1) trimmed.shift();
  if (sameShape(outShape.slice(outShape.length - trimmed.length), trimmed)) return 'suffix';
  const nd = outShape.length;
  const strides = new Array<number>(nd).fill(0);
  let stride = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const od = nd - inShape.length + i;
    strides[od] = inShape[i] === 1 ? 0 : stride;
    stride *= inShape[i];
  }
  return stridedIndexMap(outShape, strides);
}

/**
 * For every element of `outShape` (row-major order), the flat source index sum(idx[d] * strides[d]):
 * the walk behind broadcasting (stride 0 on broadcast dims) and transposes (permuted strides).
 */
export function stridedIndexMap(outShape: Shape, strides: readonly number[]): Int32Array {
  const nd = outShape.length;
  const map = new Int32Array(sizeOf(outShape));
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < map.length; i++) {
    map[i] = src;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < outShape[d]) break;
      src -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return map;
}

/** Index of the input element that output element i reads. */
export function mapIndex(map: BroadcastMap, i: number, inSize: number): number {
  if (map === 'same') return i;
  if (map === 'suffix') return i % inSize;
  return map[i];
}

/** Normalizes reduction axes (negative allowed) and checks them against the rank. */
export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new Error(`${op}: axis ${a} is out of range for a tensor of rank ${rank}`);
    }
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new Error(`${op}: repeated axis in [${list.join(', ')}]`);
  return out.sort((a, b) => a - b);
}
