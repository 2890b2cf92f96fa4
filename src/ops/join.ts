import { record } from '../autograd.js';
import { alloc, formatShape, sizeOf, Tensor } from '../tensor.js';
import { checkAxis } from './gather.js';
import { concatReference, stackReference } from './references-indexing.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';
import { reshape } from './shape.js';

function checkList(op: string, xs: readonly Tensor[]): void {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error(`${op}: needs a non-empty array of tensors`);
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new Error(`${op}: element ${i} is not a Tensor`);
    if (x.dtype !== xs[0].dtype) {
      throw new Error(`${op}: dtypes differ: tensor 0 is ${xs[0].dtype}, tensor ${i} is ${x.dtype}`);
    }
  });
}

/**
 * The tensors joined along an existing axis; every other axis must agree. Backward: each input
 * gets its own block of the gradient.
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  checkList('concat', xs);
  const first = xs[0];
  if (first.ndim === 0) throw new Error('concat: 0-d tensors have no axis to join along; use stack');
  const ax = checkAxis('concat', axis, first.ndim);
  xs.forEach((x, i) => {
    if (x.ndim !== first.ndim || x.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
      throw new Error(
        `concat: along axis ${ax}, tensor ${i} of shape ${formatShape(x.shape)} does not fit tensor 0 of shape ${formatShape(first.shape)}`,
      );
    }
  });
  const outer = sizeOf(first.shape.slice(0, ax));
  const inner = sizeOf(first.shape.slice(ax + 1));
  const widths = xs.map((x) => x.shape[ax] * inner);
  const total = widths.reduce((a, b) => a + b, 0);
  const od = alloc(first.dtype, outer * total);
  let col = 0;
  xs.forEach((x, k) => {
    const w = widths[k];
    for (let o = 0; o < outer; o++) od.set(x.data.subarray(o * w, (o + 1) * w), o * total + col);
    col += w;
  });
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  return record('concat', new Tensor(od, shape), [...xs], (g) => {
    let c = 0;
    return xs.map((x, k) => {
      const w = widths[k];
      const start = c;
      c += w;
      if (!x.requiresGrad) return null;
      const gx = alloc(x.dtype, x.size);
      for (let o = 0; o < outer; o++) gx.set(g.subarray(o * total + start, o * total + start + w), o * w);
      return gx;
    });
  });
}

/** Tensors of one shape as the slices of a new axis (concat of each with that axis inserted). */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  checkList('stack', xs);
  const first = xs[0];
  const ax = checkAxis('stack', axis, first.ndim + 1);
  xs.forEach((x, i) => {
    if (x.ndim !== first.ndim || x.shape.some((d, k) => d !== first.shape[k])) {
      throw new Error(
        `stack: tensor ${i} has shape ${formatShape(x.shape)} but tensor 0 has ${formatShape(first.shape)}; all must be equal`,
      );
    }
  });
  const expanded = [...first.shape.slice(0, ax), 1, ...first.shape.slice(ax)];
  return concat(
    xs.map((x) => reshape(x, expanded)),
    ax,
  );
}

registerOp({
  name: 'concat',
  samples: (rng) => [
    {
      label: '[2,3] [2,1] [2,2] along axis 1',
      inputs: [sampleInput(rng, [2, 3]), sampleInput(rng, [2, 1]), sampleInput(rng, [2, 2])],
      run: (a: Tensor, b: Tensor, c: Tensor) => concat([a, b, c], 1),
      expected: (a: Tensor, b: Tensor, c: Tensor) => concatReference([a, b, c], 1),
    },
    {
      label: '[1,2,3] [2,2,3] along axis 0',
      inputs: [sampleInput(rng, [1, 2, 3]), sampleInput(rng, [2, 2, 3])],
      run: (a: Tensor, b: Tensor) => concat([a, b], 0),
      expected: (a: Tensor, b: Tensor) => concatReference([a, b], 0),
    },
    {
      label: '[2,3,2] [2,1,2] along axis -2, second a constant',
      inputs: [sampleInput(rng, [2, 3, 2]), sampleInput(rng, [2, 1, 2]).detach()],
      run: (a: Tensor, b: Tensor) => concat([a, b], -2),
      expected: (a: Tensor, b: Tensor) => concatReference([a, b], 1),
    },
  ],
});
registerOp({
  name: 'stack',
  samples: (rng) => [
    {
      label: 'three [2,3] on axis 1',
      inputs: [sampleInput(rng, [2, 3]), sampleInput(rng, [2, 3]), sampleInput(rng, [2, 3])],
      run: (a: Tensor, b: Tensor, c: Tensor) => stack([a, b, c], 1),
      expected: (a: Tensor, b: Tensor, c: Tensor) => stackReference([a, b, c], 1),
    },
    {
      label: 'two [3] on axis -1',
      inputs: [sampleInput(rng, [3]), sampleInput(rng, [3])],
      run: (a: Tensor, b: Tensor) => stack([a, b], -1),
      expected: (a: Tensor, b: Tensor) => stackReference([a, b], 1),
    },
  ],
});
