import { record } from '../autograd.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { stridedIndexMap } from './broadcast.js';
import { checkAxis } from './gather.js';
import { sliceReference } from './references-indexing.js';
import { registerOp } from './registry.js';
import { unarySample } from './samples.js';

/**
 * The block of x that starts at `begin` and has `size` elements along each axis (-1: up to the
 * end), as TensorFlow's slice. Backward: the gradient goes back into the block, zeros elsewhere.
 */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  if (!Array.isArray(begin) || !Array.isArray(size) || begin.length !== x.ndim || size.length !== x.ndim) {
    throw new Error(
      `slice: begin and size need one entry per axis of ${formatShape(x.shape)}, got [${begin}] and [${size}]`,
    );
  }
  const sizes = size.map((s, d) => (s === -1 ? x.shape[d] - begin[d] : s));
  for (let d = 0; d < x.ndim; d++) {
    const b = begin[d];
    const s = sizes[d];
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > x.shape[d]) {
      throw new Error(
        `slice: axis ${d} of ${formatShape(x.shape)}: begin ${b} and size ${size[d]} leave the axis (0..${x.shape[d]})`,
      );
    }
  }
  const st = new Array<number>(x.ndim);
  let s = 1;
  let offset = 0;
  for (let d = x.ndim - 1; d >= 0; d--) {
    st[d] = s;
    offset += begin[d] * s;
    s *= x.shape[d];
  }
  const map = stridedIndexMap(sizes, st);
  const xd = x.data;
  const od = alloc(x.dtype, map.length);
  for (let i = 0; i < map.length; i++) od[i] = xd[offset + map[i]];
  return record('slice', new Tensor(od, sizes), [x], (g) => {
    const gx = alloc(x.dtype, x.size);
    for (let i = 0; i < map.length; i++) gx[offset + map[i]] = g[i];
    return [gx];
  });
}

/** `length` elements of x from `start` along one axis (PyTorch's narrow): a slice of one axis. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const ax = checkAxis('narrow', axis, x.ndim);
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0) {
    throw new Error(`narrow: start and length must be non-negative integers, got ${start} and ${length}`);
  }
  if (start + length > x.shape[ax]) {
    throw new Error(
      `narrow: elements ${start}..${start + length - 1} of axis ${axis} do not exist in ${formatShape(x.shape)}`,
    );
  }
  const begin = x.shape.map((_, d) => (d === ax ? start : 0));
  const size = x.shape.map((n, d) => (d === ax ? length : n));
  return slice(x, begin, size);
}

registerOp({
  name: 'slice',
  samples: (rng) => [
    unarySample(
      rng,
      '[4,5] begin [1,2] size [2,-1]',
      [4, 5],
      (a) => slice(a, [1, 2], [2, -1]),
      (a) => sliceReference(a, [1, 2], [2, 3]),
    ),
    unarySample(
      rng,
      '[2,3,4] begin [0,1,1] size [2,1,2]',
      [2, 3, 4],
      (a) => slice(a, [0, 1, 1], [2, 1, 2]),
      (a) => sliceReference(a, [0, 1, 1], [2, 1, 2]),
    ),
    unarySample(
      rng,
      '[3] empty block',
      [3],
      (a) => slice(a, [2], [0]),
      (a) => sliceReference(a, [2], [0]),
    ),
  ],
});
registerOp({
  name: 'narrow',
  samples: (rng) => [
    unarySample(
      rng,
      '[2,5,3] axis 1 from 1, length 3',
      [2, 5, 3],
      (a) => narrow(a, 1, 1, 3),
      (a) => sliceReference(a, [0, 1, 0], [2, 3, 3]),
    ),
    unarySample(
      rng,
      '[4,3] axis -1 from 2, length 1',
      [4, 3],
      (a) => narrow(a, -1, 2, 1),
      (a) => sliceReference(a, [0, 2], [4, 1]),
    ),
  ],
});
