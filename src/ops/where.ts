import { record } from '../autograd.js';
import { alloc, Tensor } from '../tensor.js';
import { broadcastMap, broadcastShapes, mapIndex } from './broadcast.js';
import { checkSameDtype, type Operand, operandTensor, reduceGrad } from './elementwise.js';
import { whereReference } from './references-indexing.js';
import { type OpSample, registerOp } from './registry.js';
import { sampleConstant, sampleInput } from './samples.js';

/**
 * Elementwise choice: a where cond is non-zero, b elsewhere, the three broadcast together (NumPy's
 * where). cond is a constant (a mask); the gradient flows to a where it was chosen, to b elsewhere.
 * Numbers stand for constant 0-d tensors.
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (!(cond instanceof Tensor)) throw new Error('where: cond must be a Tensor (non-zero means true)');
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const ta = operandTensor(a, like);
  const tb = operandTensor(b, like);
  checkSameDtype('where', ta, tb);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const n = shape.reduce((p, d) => p * d, 1);
  const mc = broadcastMap(shape, cond.shape);
  const ma = broadcastMap(shape, ta.shape);
  const mb = broadcastMap(shape, tb.shape);
  const [cd, ad, bd] = [cond.data, ta.data, tb.data];
  const [nc, na, nb] = [cond.size, ta.size, tb.size];
  const chosen = new Uint8Array(n);
  const od = alloc(ta.dtype, n);
  for (let i = 0; i < n; i++) {
    const c = cd[mapIndex(mc, i, nc)] !== 0;
    chosen[i] = c ? 1 : 0;
    od[i] = c ? ad[mapIndex(ma, i, na)] : bd[mapIndex(mb, i, nb)];
  }
  return record('where', new Tensor(od, shape), [ta, tb], (g) => {
    const part = (own: Tensor, map: typeof ma, pick: number) => {
      if (!own.requiresGrad) return null;
      const local = alloc(own.dtype, n);
      for (let i = 0; i < n; i++) local[i] = chosen[i] === pick ? g[i] : 0;
      return reduceGrad(local, map, own.size);
    };
    return [part(ta, ma, 1), part(tb, mb, 0)];
  });
}

/** A 0/1 mask drawn with probability 1/2, as float64 (a constant). */
const maskOf = (rng: Parameters<typeof sampleConstant>[0], shape: number[]) =>
  sampleConstant(rng, shape, (r) => (r.random() < 0.5 ? 1 : 0));

registerOp({
  name: 'where',
  samples: (rng) => {
    const shapes: Array<[number[], number[], number[]]> = [
      [
        [3, 4],
        [3, 4],
        [3, 4],
      ],
      [[2, 3, 1], [2, 3, 4], [4]],
      [[4], [3, 4], []],
    ];
    const samples: OpSample[] = shapes.map(([sc, sa, sb]) => {
      const cond = maskOf(rng, sc);
      return {
        label: `cond [${sc}], a [${sa}], b [${sb}]`,
        inputs: [sampleInput(rng, sa), sampleInput(rng, sb)],
        run: (a: Tensor, b: Tensor) => where(cond, a, b),
        expected: (a: Tensor, b: Tensor) => whereReference(cond, a, b),
      };
    });
    const cond = maskOf(rng, [2, 5]);
    samples.push({
      label: 'cond [2,5], a [2,5], b the number -1e9 (masking)',
      inputs: [sampleInput(rng, [2, 5])],
      run: (a: Tensor) => where(cond, a, -1e9),
      expected: (a: Tensor) => whereReference(cond, a, new Tensor(Float64Array.of(-1e9), [])),
    });
    return samples;
  },
});
