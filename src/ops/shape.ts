import { record } from '../autograd.js';
import { alloc, checkShape, formatShape, type Shape, sizeOf, Tensor } from '../tensor.js';
import { stridedIndexMap } from './broadcast.js';
import { transposeReference } from './references.js';
import { registerOp } from './registry.js';
import { unarySample } from './samples.js';

/** Same data, new shape; one dimension may be -1 and is then inferred. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const dims = [...shape];
  const unknown = dims.indexOf(-1);
  if (unknown !== -1) {
    if (dims.indexOf(-1, unknown + 1) !== -1)
      throw new Error(`reshape: only one dimension can be -1, got ${formatShape(shape)}`);
    const known = sizeOf(dims.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(
        `reshape: cannot reshape ${formatShape(x.shape)} (${x.size} values) into ${formatShape(shape)}`,
      );
    }
    dims[unknown] = x.size / known;
  }
  checkShape(dims, 'reshape');
  if (sizeOf(dims) !== x.size) {
    throw new Error(
      `reshape: cannot reshape ${formatShape(x.shape)} (${x.size} values) into ${formatShape(shape)}`,
    );
  }
  const out = new Tensor(x.data, dims);
  return record('reshape', out, [x], (g) => [g]);
}

/** Permutes the axes (default: reversed, i.e. the matrix transpose for 2-D). */
export function transpose(x: Tensor, axes?: readonly number[]): Tensor {
  const nd = x.ndim;
  const perm = axes ? [...axes] : Array.from({ length: nd }, (_, i) => nd - 1 - i);
  const valid =
    perm.length === nd &&
    perm.every((a) => Number.isInteger(a) && a >= 0 && a < nd) &&
    new Set(perm).size === nd;
  if (!valid) throw new Error(`transpose: axes [${perm.join(', ')}] are not a permutation of 0..${nd - 1}`);
  const outShape = perm.map((a) => x.shape[a]);
  const forward = permutation(x.shape, perm);
  const od = alloc(x.dtype, x.size);
  const xd = x.data;
  for (let i = 0; i < od.length; i++) od[i] = xd[forward[i]];
  const out = new Tensor(od, outShape);
  return record('transpose', out, [x], (g) => {
    const gx = alloc(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) gx[forward[i]] = g[i];
    return [gx];
  });
}

/** For each element of the permuted tensor, the flat index it reads in the source. */
function permutation(shape: Shape, perm: number[]): Int32Array {
  const nd = shape.length;
  const srcStrides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= shape[i];
  }
  const outShape = perm.map((a) => shape[a]);
  const strides = perm.map((a) => srcStrides[a]);
  return stridedIndexMap(outShape, strides);
}

/** The same values in another shape. */
const reshaped = (shape: number[]) => (a: Tensor) => ({ shape, data: Float64Array.from(a.data) });

registerOp({
  name: 'reshape',
  samples: (rng) => [
    unarySample(rng, '[3,4] -> [2,6]', [3, 4], (a) => reshape(a, [2, 6]), reshaped([2, 6])),
    unarySample(rng, '[2,3,4] -> [-1,4]', [2, 3, 4], (a) => reshape(a, [-1, 4]), reshaped([6, 4])),
  ],
});
registerOp({
  name: 'transpose',
  samples: (rng) => [
    unarySample(
      rng,
      '[3,5]',
      [3, 5],
      (a) => transpose(a),
      (a) => transposeReference(a),
    ),
    unarySample(
      rng,
      '[2,3,4] axes [1,2,0]',
      [2, 3, 4],
      (a) => transpose(a, [1, 2, 0]),
      (a) => transposeReference(a, [1, 2, 0]),
    ),
  ],
});
