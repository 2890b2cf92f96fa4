import { record } from '../autograd.js';
import type { Generator } from '../random.js';
import { alloc, Tensor } from '../tensor.js';
import { broadcastMap, mapIndex, normalizeAxes } from './broadcast.js';
import { reduceReference } from './references.js';
import { registerOp } from './registry.js';
import { unarySample } from './samples.js';

export type Axes = number | readonly number[];

/**
 * Shared by sum and mean: every input element adds scale * x into the output element it reduces
 * to. That output element is found by broadcasting the kept-dims shape back over the input.
 */
function reduce(op: string, x: Tensor, axis: Axes | undefined, keepdims: boolean, mean: boolean): Tensor {
  const axes = normalizeAxes(op, axis, x.ndim);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  const outSize = kept.reduce((p, d) => p * d, 1);
  const count = outSize === 0 ? 0 : x.size / outSize;
  const scale = mean ? 1 / count : 1;
  const map = broadcastMap(x.shape, kept);
  const acc = new Float64Array(outSize);
  const xd = x.data;
  for (let i = 0; i < xd.length; i++) acc[mapIndex(map, i, outSize)] += xd[i];
  const od = alloc(x.dtype, outSize);
  for (let i = 0; i < outSize; i++) od[i] = mean && count === 0 ? Number.NaN : acc[i] * scale;
  const out = new Tensor(od, outShape);
  return record(op, out, [x], (g) => {
    const gx = alloc(x.dtype, xd.length);
    for (let i = 0; i < gx.length; i++) gx[i] = g[mapIndex(map, i, outSize)] * scale;
    return [gx];
  });
}

/** Sum of all elements, or along the given axes (negative axes count from the end). */
export function sum(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  return reduce('sum', x, axis, keepdims, false);
}

/** Mean of all elements, or along the given axes. The mean of nothing is NaN. */
export function mean(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  return reduce('mean', x, axis, keepdims, true);
}

function reductionSamples(op: typeof sum, isMean: boolean) {
  const sample = (
    rng: Generator,
    label: string,
    shape: number[],
    axes: number[] | undefined,
    keepdims = false,
  ) =>
    unarySample(
      rng,
      label,
      shape,
      (a) => op(a, axes?.length === 1 ? axes[0] : axes, keepdims),
      (a) => reduceReference(a, axes, keepdims, isMean),
    );
  return (rng: Generator) => [
    sample(rng, '[3,4] all', [3, 4], undefined),
    sample(rng, '[3,4] axis 0', [3, 4], [0]),
    sample(rng, '[3,4] axis -1 keepdims', [3, 4], [-1], true),
    sample(rng, '[2,3,4] axes [0,2]', [2, 3, 4], [0, 2]),
    sample(rng, '[2,3,4] axis 1 keepdims', [2, 3, 4], [1], true),
    sample(rng, '[5]', [5], undefined),
  ];
}

registerOp({ name: 'sum', samples: reductionSamples(sum, false) });
registerOp({ name: 'mean', samples: reductionSamples(mean, true) });
