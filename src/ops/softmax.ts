import { record } from '../autograd.js';
import { alloc, Tensor } from '../tensor.js';
import { normalizeAxes } from './broadcast.js';
import type { Reference } from './references.js';
import { registerOp } from './registry.js';
import { unarySample } from './samples.js';

/** The layout of the slices an axis op walks: `outer` blocks of `length` steps `inner` apart. */
function axisLayout(x: Tensor, axis: number): { outer: number; length: number; inner: number } {
  const [a] = normalizeAxes('softmax', axis, x.ndim);
  let outer = 1;
  for (let d = 0; d < a; d++) outer *= x.shape[d];
  let inner = 1;
  for (let d = a + 1; d < x.ndim; d++) inner *= x.shape[d];
  return { outer, length: x.shape[a], inner };
}

/**
 * e^x / sum(e^x) along an axis (default the last, as Keras's softmax activation), one fused op:
 * the slice maximum is subtracted first so exp cannot overflow, and the backward is
 * y * (g - sum(g * y)) over the same slice, from the saved output alone.
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  if (x.ndim === 0) throw new Error('softmax: needs at least one axis, got a 0-d tensor');
  const { outer, length, inner } = axisLayout(x, axis);
  const xd = x.data;
  const od = alloc(x.dtype, x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < length; k++) max = Math.max(max, xd[base + k * inner]);
      let sum = 0;
      for (let k = 0; k < length; k++) {
        const e = Math.exp(xd[base + k * inner] - max);
        od[base + k * inner] = e;
        sum += e;
      }
      for (let k = 0; k < length; k++) od[base + k * inner] /= sum;
    }
  }
  return record('softmax', new Tensor(od, x.shape), [x], (g) => {
    const gx = alloc(x.dtype, g.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * length * inner + i;
        let dot = 0;
        for (let k = 0; k < length; k++) dot += g[base + k * inner] * od[base + k * inner];
        for (let k = 0; k < length; k++) {
          const j = base + k * inner;
          gx[j] = od[j] * (g[j] - dot);
        }
      }
    }
    return [gx];
  });
}

/** exp(x_j) / sum_k exp(x_k) over `axis`, from the definition (no shift; sample inputs are small). */
function softmaxReference(x: Tensor, axis: number): Reference {
  const shape = [...x.shape];
  const nd = shape.length;
  const a = axis < 0 ? axis + nd : axis;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, v) => p * v, 1));
  const data = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const k = Math.floor(i / strides[a]) % shape[a];
    const start = i - k * strides[a];
    let total = 0;
    for (let j = 0; j < shape[a]; j++) total += Math.exp(x.data[start + j * strides[a]]);
    data[i] = Math.exp(x.data[i]) / total;
  }
  return { shape, data };
}

registerOp({
  name: 'softmax',
  samples: (rng) => [
    unarySample(
      rng,
      '[4,3] last axis',
      [4, 3],
      (a) => softmax(a),
      (a) => softmaxReference(a, -1),
    ),
    unarySample(
      rng,
      '[2,3,4] axis 1',
      [2, 3, 4],
      (a) => softmax(a, 1),
      (a) => softmaxReference(a, 1),
    ),
    unarySample(
      rng,
      '[5]',
      [5],
      (a) => softmax(a),
      (a) => softmaxReference(a, 0),
    ),
  ],
});
