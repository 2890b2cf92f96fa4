import { record } from '../autograd.js';
import { alloc, formatShape, type Shape, sizeOf, Tensor } from '../tensor.js';
import { gatherReference } from './references-indexing.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';

/** Integer positions along one axis: a Tensor of whole numbers (any shape) or a flat list. */
export type Indices = Tensor | ArrayLike<number>;

/** The checked positions as an Int32Array, and the shape they come in. */
export function indexList(op: string, indices: Indices, size: number, axis: number): [Int32Array, Shape] {
  const isList =
    typeof indices === 'object' &&
    indices !== null &&
    typeof (indices as ArrayLike<number>).length === 'number';
  if (!(indices instanceof Tensor) && !isList) {
    throw new Error(`${op}: indices must be a Tensor or an array of integers, got ${String(indices)}`);
  }
  const values: ArrayLike<number> = indices instanceof Tensor ? indices.data : indices;
  const shape = indices instanceof Tensor ? indices.shape : [values.length];
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= size) {
      const at = shape.length > 1 ? ` at position ${formatShape(unravel(i, shape))}` : ` at position ${i}`;
      throw new Error(
        `${op}: index ${v}${at} is out of range for axis ${axis} of size ${size} (indices are integers from 0 to ${size - 1})`,
      );
    }
    out[i] = v;
  }
  return [out, shape];
}

function unravel(i: number, shape: Shape): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function checkAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * The slices of x at the given positions along `axis` (NumPy's take, TensorFlow's gather): the
 * output's shape is x's with that axis replaced by the indices' shape. An embedding lookup is
 * gather(table, ids, 0). Backward: each output slice's gradient is added (scatter-add) back into
 * the slice it was read from, so a position read twice gets both gradients.
 */
export function gather(x: Tensor, indices: Indices, axis = 0): Tensor {
  if (x.ndim === 0) throw new Error('gather: x must have at least one axis, got a 0-d tensor');
  const ax = checkAxis('gather', axis, x.ndim);
  const [idx, idxShape] = indexList('gather', indices, x.shape[ax], ax);
  const outer = sizeOf(x.shape.slice(0, ax));
  const n = x.shape[ax];
  const inner = sizeOf(x.shape.slice(ax + 1));
  const m = idx.length;
  const xd = x.data;
  const od = alloc(x.dtype, outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * n + idx[j]) * inner;
      const dst = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) od[dst + i] = xd[src + i];
    }
  }
  const out = new Tensor(od, [...x.shape.slice(0, ax), ...idxShape, ...x.shape.slice(ax + 1)]);
  return record('gather', out, [x], (g) => {
    const gx = alloc(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const dst = (o * n + idx[j]) * inner;
        const src = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) gx[dst + i] += g[src + i];
      }
    }
    return [gx];
  });
}

registerOp({
  name: 'gather',
  samples: (rng) => {
    const sample = (
      label: string,
      shape: number[],
      indices: number[],
      indexShape: number[],
      axis: number,
    ) => ({
      label,
      inputs: [sampleInput(rng, shape)],
      run: (x: Tensor) => gather(x, new Tensor(Float64Array.from(indices), indexShape), axis),
      expected: (x: Tensor) => gatherReference(x, indices, indexShape, axis),
    });
    return [
      // Repeated rows: their gradients must add up (scatter-add).
      sample('[5,3] rows [4,0,4,2] (an embedding lookup)', [5, 3], [4, 0, 4, 2], [4], 0),
      sample('[5,3] ids of shape [2,3] on axis 0', [5, 3], [1, 0, 1, 4, 4, 3], [2, 3], 0),
      sample('[2,4,3] axis 1, indices [3,3,0]', [2, 4, 3], [3, 3, 0], [3], 1),
      sample('[2,3,4] axis -1, indices [[0,3],[2,0]]', [2, 3, 4], [0, 3, 2, 0], [2, 2], -1),
      sample('[4] no indices', [4], [], [0], 0),
    ];
  },
});
