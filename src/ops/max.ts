import { record } from '../autograd.js';
import type { Generator } from '../random.js';
import { alloc, Tensor } from '../tensor.js';
import { broadcastMap, mapIndex, normalizeAxes } from './broadcast.js';
import type { Axes } from './reduce.js';
import { maxReference } from './references-indexing.js';
import { registerOp } from './registry.js';
import { unarySample } from './samples.js';

/**
 * The largest element along the given axes (all when none are given), as NumPy's max: NaN if a
 * reduced group holds one, -Infinity for an empty group. Backward: the whole gradient of a group
 * goes to its first largest element (PyTorch's rule for max along an axis), which is what global
 * max pooling needs.
 */
export function max(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const axes = normalizeAxes('max', axis, x.ndim);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  const outSize = kept.reduce((p, d) => p * d, 1);
  const map = broadcastMap(x.shape, kept);
  const best = new Float64Array(outSize).fill(Number.NEGATIVE_INFINITY);
  const arg = new Int32Array(outSize).fill(-1);
  const xd = x.data;
  for (let i = 0; i < xd.length; i++) {
    const o = mapIndex(map, i, outSize);
    const v = xd[i];
    // The first NaN wins and stays: NaN compares false with everything.
    if (arg[o] === -1 || v > best[o] || (Number.isNaN(v) && !Number.isNaN(best[o]))) {
      best[o] = v;
      arg[o] = i;
    }
  }
  const od = alloc(x.dtype, outSize);
  for (let o = 0; o < outSize; o++) od[o] = best[o];
  return record('max', new Tensor(od, outShape), [x], (g) => {
    const gx = alloc(x.dtype, xd.length);
    for (let o = 0; o < outSize; o++) if (arg[o] >= 0) gx[arg[o]] += g[o];
    return [gx];
  });
}

registerOp({
  name: 'max',
  samples: (rng: Generator) => {
    const sample = (label: string, shape: number[], axes: number[] | undefined, keepdims = false) =>
      unarySample(
        rng,
        label,
        shape,
        (a) => max(a, axes?.length === 1 ? axes[0] : axes, keepdims),
        (a) => maxReference(a, axes, keepdims),
      );
    return [
      sample('[3,4] all', [3, 4], undefined),
      sample('[3,4] axis 0', [3, 4], [0]),
      sample('[2,5,3] axis 1 (global max pooling)', [2, 5, 3], [1]),
      sample('[2,3,4] axes [0,2] keepdims', [2, 3, 4], [0, 2], true),
      sample('[4] axis -1 keepdims', [4], [-1], true),
    ];
  },
});
